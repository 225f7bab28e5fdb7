"""The application timeline reads as sentences in the reader's language: who did what, the fields a
draft changed by their titles and what a task entered by its labels; never key=value or dict dumps."""
from __future__ import annotations

import re
from typing import Any

from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

LEAKS = re.compile(r"\b[a-z_]+=[^\s<]|\{'|'[a-z_]+':|\b[0-9a-f]{40,64}\b")


def _timeline(page: str) -> str:
    html = page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.sub(r"<[^>]+>", " ", html)


def test_the_timeline_speaks_in_sentences(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    path = f"/api/applications/{app_id}"
    draft = api.get(path, "hc_submitter")
    api.call("PATCH", path, "hc_submitter", 200, json={"theme": draft["theme"] + "（修订）"})
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    client, _token = logged_in(app, "hc_submitter")
    zh = _timeline(client.get(f"/applications/{app_id}").get_data(as_text=True))
    assert "创建了申报" in zh and "保存了草稿：修改了 申报主题" in zh, zh
    assert "办理了“" in zh
    assert not LEAKS.search(zh), LEAKS.search(zh)
    client.get("/lang/en")
    en = _timeline(client.get(f"/applications/{app_id}").get_data(as_text=True))
    assert "created the application" in en and "saved the draft, changing" in en, en
    assert not LEAKS.search(en), LEAKS.search(en)
