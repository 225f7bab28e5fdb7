"""An application's timeline reads in causal order: a decision before what it caused (the notification to
the unit, a service step), even when both happen in the same second (one step writes both)."""
from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select

from service.models import AuditRecord, InstanceEvent
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in


def _timeline(app: Any, app_id: int, person: str = "res_office1") -> list[tuple[str, str]]:
    """The page's timeline as (action, sentence), in the order it is shown."""
    client = logged_in(app, person)[0]
    client.get("/lang/zh-CN")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    block = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1)
    return [(action, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split()))
            for action, text in re.findall(r'<li data-action="([a-z_]+)">(.*?)</li>', block, re.S)]


def test_a_decision_is_read_before_the_notification_it_caused_in_the_same_second(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.shortlist(api, app_id)
    with app.extensions["appraisal.sessions"]() as s:
        decided = s.scalar(select(AuditRecord.at).where(AuditRecord.action == "decide")
                           .order_by(AuditRecord.id.desc()).limit(1))  # the item's decision, not the meeting's
        invited = s.scalar(select(InstanceEvent.at).where(InstanceEvent.element_id == "notify_invited"))
    assert decided.replace(microsecond=0) == invited.replace(microsecond=0)  # one second: the timestamp cannot tell
    rows = [text for _, text in _timeline(app, app_id)]
    decision = next(i for i, t in enumerate(rows) if "领导小组初评会议决定" in t)
    invitation = next(i for i, t in enumerate(rows) if "邀请本单位参加公开讲述" in t)
    assert decision < invitation, rows


def test_every_notification_to_the_unit_follows_the_step_that_caused_it(app: Any) -> None:
    """The whole appraisal: each notification to the unit (a ``notify`` service step) is read after the person's
    step that caused it, never before it (the class: consequences after their cause)."""
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id)
    flows.decide(api, app_id)
    flows.confirm(api, app_id)
    flows.finalise(api, app_id)
    rows = _timeline(app, app_id)
    told = [i for i, (action, text) in enumerate(rows) if action == "element" and "本单位" in text]
    assert len(told) >= 2, rows
    for i in told:
        cause = next((action for action, _ in reversed(rows[:i]) if action != "element"), None)
        assert cause in ("complete", "decide", "finalise_notice", "publish_notice"), (rows[i], rows[:i + 1])
    # and the first row is the person's creation, not the process start it caused
    assert rows[0][0] == "create", rows[:3]
