"""BPMN drawn in Camunda Modeler or SpiffArena (issue 15.6): what can run deploys, the rest is one report.

The fixtures in tests/fixtures/bpmn were written by hand in each modeler's dialect.
"""
from __future__ import annotations

import re
from typing import Any

from service.config import ROOT
from tests.api_client import Api
from tests.web_client import logged_in

FIXTURES = ROOT / "tests" / "fixtures" / "bpmn"


def _deploy(api: Api, name: str, expect: int) -> Any:
    r = api.call("POST", "/api/process-definitions?comment=import", "process_admin", expect=expect,
                 data=(FIXTURES / name).read_bytes(), content_type="application/xml")
    return r.get_json()


def _task(api: Api, user: str, instance_id: int) -> dict[str, Any]:
    [task] = [t for t in api.tasks(user) if t["process_instance_id"] == instance_id]
    return task


def test_a_camunda_modeler_process_deploys_and_runs_with_lanes_named_by_people(app: Any) -> None:
    api = Api(app)
    deployed = _deploy(api, "camunda_presentation_check.bpmn", 201)
    tasks = deployed["user_tasks"]
    assert tasks["Activity_1r2xk0m"]["role"] == "office"  # the lane's name 评比办公室
    assert tasks["Activity_1r2xk0m"]["form_key"] == "presentation" and tasks["Activity_1r2xk0m"]["due_in"] == "P5WD"
    assert tasks["Activity_0w6n1cq"]["role"] == "group_leader"  # the lane's camunda:property role
    warned = {(w["element"], w["code"]) for w in deployed["warnings"]}
    assert ("Activity_1r2xk0m", "converted") in warned and ("Activity_1r2xk0m", "ignored_extension") in warned
    xml = api.call("GET", f"/api/process-definitions/{deployed['id']}/xml", "process_admin", expect=200).data
    assert b'<spiffworkflow:property name="formKey" value="presentation"/>' in xml and b"camunda:formKey" not in xml

    inst = api.post("/api/process-definitions/key/Process_presentation_check/start", "res_office1", expect=201,
                    json={"business_key": "camunda-check-1", "variables": {}})
    record = _task(api, "res_office1", inst["id"])
    assert record["form_key"] == "presentation" and record["due_at"]
    api.post(f"/api/tasks/{record['id']}/complete", "res_office1", json={
        "presentation_date": "2026-12-28", "presenter": "组长", "presentation_notes": "讲述了网格化服务。"})
    assert _task(api, "group_leader", inst["id"])["element_id"] == "Activity_0w6n1cq"


def test_a_spiffarena_process_deploys_and_shows_its_instructions_as_sanitized_markdown(app: Any) -> None:
    api = Api(app)
    deployed = _deploy(api, "spiffarena_presentation_check.bpmn", 201)
    task = deployed["user_tasks"]["Activity_record_spiff"]
    assert task["role"] == "office" and task["form_key"] == "presentation"  # lane "Appraisal office", the form file
    inst = api.post("/api/process-definitions/key/spiff_presentation_check/start", "res_office1", expect=201,
                    json={"business_key": "spiff-check-1", "variables": {}})
    record = _task(api, "res_office1", inst["id"])
    client, _ = logged_in(app, "res_office1")
    page = client.get(f"/tasks/{record['id']}").get_data(as_text=True)
    section = re.search(r'<section class="card instructions" id="instructions">(.*?)</section>', page, re.S).group(1)
    assert "<h4>办理要点</h4>" in section and "<strong>逐项核对</strong>" in section
    assert '<a href="https://example.org/rules" rel="noopener noreferrer nofollow">评比办法</a>' in section
    assert "<li>" in section and "&lt;script&gt;" in section and "<script" not in section
    assert "javascript:" not in re.sub(r">[^<]*<", "><", section)  # only as shown text, never in an attribute


def test_what_cannot_run_is_one_report_in_chinese_with_replacements(app: Any) -> None:
    api = Api(app)
    body = _deploy(api, "camunda_unrunnable.bpmn", 400)
    found = {(p["element"], p["code"]): p["message"] for p in body["problems"]}
    assert "notify" in found[("Activity_notify", "foreign_implementation_handler")]
    assert "aggregate_scores" in found[("Activity_total", "foreign_implementation_handler")]
    assert ("Activity_total", "missing_handler") not in found  # said once, with what to use
    assert "presenter != None and not rejected" in found[("Flow_3", "juel_expression")]
    assert ("Flow_3", "bad_expression") not in found
    assert "dueIn" in found[("Activity_review", "foreign_extension")] or any(
        "dueIn" in m for (el, code), m in found.items() if el == "Activity_review")
    assert ("Activity_review", "script") in found and ("Activity_review", "unknown_extension") in found
    assert ("Activity_script", "forbidden_element") in found
    assert "评比办公室" in found[("Activity_sweep", "unknown_role")]
    assert all(re.search(r"[\u4e00-\u9fff]", p["message"]) for p in body["problems"])
    assert len(api.get("/api/process-definitions?key=Process_camunda_review", "process_admin")["items"]) == 0

    spiff = _deploy(api, "spiffarena_unrunnable.bpmn", 400)
    codes = {(p["element"], p["code"]) for p in spiff["problems"]}
    assert {("Task_fill", "spiff_form_file"), ("Task_fill", "script"), ("Task_post", "unknown_extension"),
            ("Task_post", "unknown_handler")} <= codes
    assert ("Task_fill", "missing_form") not in codes


def test_a_foreign_document_still_cannot_use_entities(app: Any) -> None:
    api = Api(app)
    text = (FIXTURES / "camunda_presentation_check.bpmn").read_text(encoding="utf-8")
    hostile = text.replace("<bpmn:definitions", '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                           "<bpmn:definitions", 1).replace('name="讲述记录复核"', 'name="&x;"', 1)
    r = api.call("POST", "/api/process-definitions", "process_admin", expect=400, data=hostile.encode("utf-8"),
                 content_type="application/xml")
    assert r.get_json()["problems"][0]["code"] == "forbidden_xml"
