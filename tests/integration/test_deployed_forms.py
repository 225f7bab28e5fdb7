"""An administrator adds a form and uses it in a new process version, with no Python."""
from __future__ import annotations

from typing import Any

from service.config import ROOT
from tests.api_client import Api
from tests.integration import flows

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
NEW_FORM = {
    "title": "公开陈述记录（含现场评议）", "x-title-en": "Presentation record with floor comments",
    "type": "object", "additionalProperties": False,
    "required": ["presentation_date", "presenter", "floor_comments"],
    "properties": {
        "presentation_date": {"type": "string", "format": "date", "title": "陈述日期"},
        "presenter": {"type": "string", "maxLength": 100, "title": "陈述人"},
        "floor_comments": {"type": "string", "maxLength": 2000, "title": "现场评议"},
    },
}


def test_new_form_is_deployed_and_used_by_a_new_version(app: Any) -> None:
    api = Api(app)
    changed = BPMN.replace(b'name="formKey" value="presentation"', b'name="formKey" value="presentation_floor"', 1)
    r = api.post("/api/process-definitions", "process_admin", expect=400, data=changed, content_type="application/xml")
    problem = r.get_json()["problems"][0]
    assert {k: problem[k] for k in ("element", "code", "severity", "message")} == {
        "element": "record_presentation", "code": "unknown_form", "severity": "error",
        "message": "表单 presentation_floor 不存在：请先在“表单管理”中发布它"}
    r = api.post("/api/process-definitions", "process_admin", expect=400, data=changed, content_type="application/xml",
                 headers={"Accept-Language": "en"})
    assert r.get_json()["problems"][0]["message"] == "form 'presentation_floor' does not exist: deploy it first"
    api.call("PUT", "/api/forms/presentation_floor", "res_office1", expect=403, json={"schema": NEW_FORM})
    bad = api.call("PUT", "/api/forms/presentation_floor", "process_admin", expect=422,
                   json={"schema": {"type": "object", "properties": {"x": {"type": "nonsense"}}}})
    assert bad.get_json()["errors"][0]["field"].startswith("schema")
    api.call("PUT", "/api/forms/Bad-Key", "process_admin", expect=422, json={"schema": NEW_FORM})
    deployed = api.call("PUT", "/api/forms/presentation_floor", "process_admin", expect=201, json={"schema": NEW_FORM})
    assert deployed.get_json()["version"] == 1
    assert "presentation_floor" in {f["key"] for f in api.get("/api/forms", "process_admin")["items"]}
    api.post("/api/process-definitions?comment=form", "process_admin", expect=201, data=changed, content_type="application/xml")

    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.complete("lg_member1", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "好"})
    task = api.task_for("res_office1", "record_presentation", app_id)
    assert task["form_key"] == "presentation_floor"
    assert api.get(f"/api/tasks/{task['id']}/form", "res_office1")["title"] == NEW_FORM["title"]
    r = api.post(f"/api/tasks/{task['id']}/complete", "res_office1", expect=422,
                 json={"presentation_date": "2027-01-08", "presenter": "陈思远"})
    assert [e["field"] for e in r.get_json()["errors"]] == ["floor_comments"]
    api.post(f"/api/tasks/{task['id']}/complete", "res_office1",
             json={"presentation_date": "2027-01-08", "presenter": "陈思远", "floor_comments": "反响热烈"})
    assert api.tasks("scorer_org", application_id=app_id)[0]["element_id"] == "democratic_scoring"


def test_forms_page_deploys_a_schema_with_csrf(app: Any) -> None:
    import json
    import re

    from service.demo.baoding import DEMO_PASSWORD

    client = app.test_client()
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": "process_admin", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code in (302, 303)
    page = client.get("/admin/forms?key=presentation").get_data(as_text=True)
    assert "presentation_date" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/admin/forms", data={"key": "k1", "schema": json.dumps(NEW_FORM)}).status_code in (400, 403)
    bad = client.post("/admin/forms", data={"key": "k1", "schema": "{not json", "csrf_token": token})
    assert "不是有效的 JSON" in bad.get_data(as_text=True)
    ok = client.post("/admin/forms", data={"key": "k1", "schema": json.dumps(NEW_FORM), "csrf_token": token})
    assert "k1 v1" in ok.get_data(as_text=True)
