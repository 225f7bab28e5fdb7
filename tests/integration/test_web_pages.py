"""The pages without a browser: sessions, CSRF, attachments, escaping, exports, access."""
from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from service.demo.baoding import DEMO_PASSWORD
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import csrf, logged_in

PDF = b"%PDF-1.4\n%%EOF\n"


def test_login_sessions_and_csrf(app: Any) -> None:
    client = app.test_client()
    assert client.get("/").status_code == 302
    token = csrf(client)
    bad = client.post("/login", data={"csrf_token": token, "username": "hc_submitter", "password": "wrong"})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.get_data(as_text=True)
    assert client.post("/login", data={"username": "hc_submitter", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/").status_code == 302  # no CSRF token: not logged in
    client, token = logged_in(app, "hc_submitter")
    assert client.get("/").status_code == 200
    assert client.get("/api/me").get_json()["username"] == "hc_submitter"  # the API accepts the session cookie
    body = {"campaign_id": 1, **flows.GOOD_APPLICATION}
    assert client.post("/api/applications", json=body).status_code == 403  # cookie write without the header
    assert client.post("/api/applications", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    assert client.post("/applications/new", data={"theme": "x"}).status_code == 400  # form without its token
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/me").status_code == 401


def test_attachments_are_sniffed_limited_and_served_as_downloads(app: Any) -> None:
    client, token = logged_in(app, "hc_submitter")
    r = client.post("/applications/new", data={"csrf_token": token, "action": "save", "theme": "<script>alert(1)</script>"})
    app_id = int(re.search(r"/applications/(\d+)/edit", r.headers["Location"]).group(1))
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page

    def upload(name: str, content: bytes) -> Any:
        return client.post(f"/applications/{app_id}/attachments", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (BytesIO(content), name)})

    fake = upload("looks.pdf", b"MZ not a pdf")
    assert fake.status_code == 422 and "仅支持" in fake.get_data(as_text=True)
    limit = app.extensions["appraisal.settings"].max_upload_bytes
    big = upload("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * limit)
    assert big.status_code == 422 and "MB" in big.get_data(as_text=True)
    assert upload("../../证明.pdf", PDF).status_code == 302
    page = client.get(f"/applications/{app_id}/edit").get_data(as_text=True)
    attachment_id = int(re.search(r"/attachments/(\d+)", page).group(1))
    r = client.get(f"/attachments/{attachment_id}")
    assert r.data == PDF and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("attachment;") and "%E8%AF%81%E6%98%8E.pdf" in r.headers["Content-Disposition"]
    other, _ = logged_in(app, "hy_submitter")
    assert other.get(f"/attachments/{attachment_id}").status_code == 404


def test_exports_print_and_admin_pages(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id)
    office, _ = logged_in(app, "res_office1")
    results = load_workbook(BytesIO(office.get("/office/campaigns/1/results.xlsx").data)).active
    assert results["B2"].value == "申报编号" and results["F2"].value == "最终得分"  # under the title row
    assert results["B3"].value == app_id and results["F3"].value == 84.5
    scores = load_workbook(BytesIO(office.get("/office/campaigns/1/scores.xlsx").data)).active
    assert scores.max_row == 10  # title, header + eight scorers (one recused)
    page = office.get(f"/applications/{app_id}/print").get_data(as_text=True)
    assert page.count('class="copy"') == 2
    assert office.get("/admin/processes").status_code == 403
    unit, _ = logged_in(app, "hc_submitter")
    assert unit.get("/office/campaigns/1").status_code == 403
    assert unit.get("/office/campaigns/1/scores.xlsx").status_code == 403
    admin, _ = logged_in(app, "process_admin")
    assert "innovation_appraisal" in admin.get("/admin/processes").get_data(as_text=True)
    assert admin.get("/admin/processes/1/edit").status_code == 200


def test_the_instance_page_names_its_application_unit_and_process(app: Any) -> None:
    """An instance is shown by what it is about (the application's title and unit) and its process by its name
    (the BPMN's name attribute), never by its business key or process id; a bundled version's comment in words."""
    api = Api(app)
    app_id = flows.create(api, "hc_submitter", theme="网格化服务机制")["id"]
    instance_id = api.get(f"/api/applications/{app_id}", "hc_submitter")["process_instance_id"]
    for language, process, unit in (("zh-CN", "创新性工作评比", "保定鸿川汽车零部件集团有限公司工会"),
                                    ("en", "创新性工作评比", "保定鸿川汽车零部件集团有限公司工会")):
        client = logged_in(app, "process_admin")[0]
        client.get(f"/lang/{language}")
        page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
        title = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
        assert "网格化服务机制" in title and f'href="/applications/{app_id}"' in title, title
        meta = re.search(r'<p class="meta" id="instance-meta">(.*?)</p>', page, re.S).group(1)
        assert unit in meta and process in meta and "innovation_appraisal" not in meta, meta
        assert f"application-{app_id}" not in page
        versions = client.get("/admin/processes").get_data(as_text=True)
        assert ("随系统安装" if language == "zh-CN" else "Installed with the service") in versions
        assert ("系统" if language == "zh-CN" else "System") in versions and "bundled " not in versions
