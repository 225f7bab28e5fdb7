"""An administrator adds a form and uses it in a new process version, with no Python; the appraisal keeps the kinds
of work the service's code finds by form key (service/work_kinds.py)."""
from __future__ import annotations

from typing import Any

from datetime import timedelta

from service import clock
from service.config import ROOT
from tests.api_client import Api

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
CONSULTATION = (ROOT / "processes" / "draft_consultation.bpmn").read_bytes()
RECEIPT_FORM = {
    "title": "研究室签收（含归档编号）", "x-title-en": "Receipt with its archive number",
    "type": "object", "additionalProperties": False, "required": ["received_on", "archive_no"],
    "properties": {
        "received_on": {"type": "string", "format": "date", "title": "签收日期"},
        "archive_no": {"type": "string", "maxLength": 40, "title": "归档编号"},
    },
}
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
    # the form exists now, but the presentation sessions find the item's presentation by its form key: a version
    # without a `presentation` step is refused, naming what is missing (a new version of the form itself is the way)
    r = api.post("/api/process-definitions?comment=form", "process_admin", expect=400, data=changed,
                 content_type="application/xml")
    errors = [p for p in r.get_json()["problems"] if p["severity"] == "error"]
    assert [(p["element"], p["code"], p["message"]) for p in errors] == [
        (None, "missing_kind", "流程 innovation_appraisal 缺少“公开陈述记录”这一步：本服务按表单 presentation 找到这一步的工作，"
                               "请保留一个表单为 presentation 的用户任务或消息事件")]
    twice = BPMN.replace(b'name="formKey" value="presentation"', b'name="formKey" value="scoring"', 1)
    r = api.post("/api/process-definitions/validate", "process_admin", expect=400, data=twice,
                 content_type="application/xml", headers={"Accept-Language": "en"})
    assert sorted((p["element"] or "", p["code"]) for p in r.get_json()["problems"] if p["severity"] == "error") == [
        ("", "missing_kind"), ("democratic_scoring", "duplicate_kind"), ("record_presentation", "duplicate_kind")]
    assert [p["message"] for p in r.get_json()["problems"] if p["code"] == "duplicate_kind"][0] == (
        "form scoring is used by record_presentation, democratic_scoring: the service finds the work of “Democratic "
        "scoring” by its form, so the process may have only one such step")

    # a process whose steps the code does not look for by kind takes any form: the draft consultation's receipt
    api.call("PUT", "/api/forms/receipt_archived", "process_admin", expect=201, json={"schema": RECEIPT_FORM})
    receipt = CONSULTATION.replace(b'name="formKey" value="feedback_receipt"', b'name="formKey" value="receipt_archived"')
    api.post("/api/process-definitions?comment=form", "process_admin", expect=201, data=receipt,
             content_type="application/xml")
    hc_unit = api.get("/api/me", "hc_submitter")["unit_id"]
    deadline = (clock.local(clock.now()) + timedelta(days=3)).isoformat()
    inst = api.post("/api/process-definitions/key/draft_consultation/start", "res_office1", expect=201,
                    json={"business_key": "consultation-form", "variables": {
                        "unit_id": hc_unit, "unit_name": "鸿川集团工会", "deadline": deadline}})
    [task] = [t for t in api.tasks("hc_submitter") if t["process_instance_id"] == inst["id"]]
    api.post(f"/api/tasks/{task['id']}/complete", "hc_submitter", json={"comments": "建议增加量化指标。"})
    [sign] = [t for t in api.tasks("hc_leader") if t["process_instance_id"] == inst["id"]]
    api.post(f"/api/tasks/{sign['id']}/complete", "hc_leader", json={"signoff_decision": "approve"})
    [task] = [t for t in api.tasks("res_office2") if t["process_instance_id"] == inst["id"]]
    assert task["form_key"] == "receipt_archived"
    assert api.get(f"/api/tasks/{task['id']}/form", "res_office2")["title"] == RECEIPT_FORM["title"]
    r = api.post(f"/api/tasks/{task['id']}/complete", "res_office2", expect=422, json={"received_on": "2026-12-27"})
    assert [e["field"] for e in r.get_json()["errors"]] == ["archive_no"]
    api.post(f"/api/tasks/{task['id']}/complete", "res_office2", json={"received_on": "2026-12-27", "archive_no": "A-1"})
    assert api.get(f"/api/process-instances/{inst['id']}", "res_office1")["status"] == "completed"


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
