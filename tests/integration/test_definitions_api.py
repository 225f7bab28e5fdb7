"""Process definitions: versions, pinning of running instances, the consultation process."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from service import clock
from service.config import ROOT
from tests.api_client import Api
from tests.integration import flows

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()


def test_new_version_runs_new_instances_while_old_ones_stay_pinned(app: Any) -> None:
    api = Api(app)
    old = flows.create(api, "hc_submitter")
    v1 = api.get(f"/api/process-instances/{old['process_instance_id']}", "res_office1")
    assert v1["definition_version"] == 1
    changed = BPMN.replace(b'name="dueIn" value="P10D"', b'name="dueIn" value="P2D"', 1)
    deployed = api.post("/api/process-definitions?comment=shorter%20presentation%20record", "process_admin",
                        expect=201, data=changed, content_type="application/xml")
    assert deployed["version"] == 2 and deployed["user_tasks"]["record_presentation"]["due_in"] == "P2D"
    versions = api.get("/api/process-definitions?key=innovation_appraisal", "process_admin")["items"]
    assert [v["version"] for v in versions] == [2, 1]
    xml = api.call("GET", f"/api/process-definitions/{deployed['id']}/xml", "process_admin", expect=200)
    assert b'value="P2D"' in xml.data and xml.headers["Content-Type"].startswith("application/xml")
    new = flows.create(api, "econ_submitter")
    assert api.get(f"/api/process-instances/{new['process_instance_id']}", "res_office1")["definition_version"] == 2
    for app_id, submitter, leader in ((old["id"], "hc_submitter", "hc_leader"), (new["id"], "econ_submitter", "econ_leader")):
        flows.submit(api, app_id, submitter, leader)
    for app_id in (old["id"], new["id"]):
        api.complete("group_leader", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "好"})
    due = {a: api.task_for("res_office1", "record_presentation", a)["due_at"] for a in (old["id"], new["id"])}
    now = clock.now()
    assert abs(clock.parse_iso(due[old["id"]]) - (now + timedelta(days=10))) < timedelta(minutes=5)
    assert abs(clock.parse_iso(due[new["id"]]) - (now + timedelta(days=2))) < timedelta(minutes=5)


def test_refused_upload_names_the_element_and_deploys_nothing(app: Any) -> None:
    api = Api(app)
    bad = BPMN.replace(b'id="aggregate_scores"', b'id="run_shell"')
    r = api.post("/api/process-definitions", "process_admin", expect=400, data=bad, content_type="application/xml")
    body = r.get_json()
    assert r.headers["Content-Type"] == "application/problem+json"
    assert body["problems"][0]["element"] == "aggregate_scores_task" and body["problems"][0]["code"] == "unknown_handler"
    assert len(api.get("/api/process-definitions", "process_admin")["items"]) == 3  # the three bundled ones


def test_draft_consultation_reaches_its_unit_and_returns_signed(app: Any) -> None:
    api = Api(app)
    deadline = (clock.local(clock.now()) + timedelta(days=3)).isoformat()
    hc_unit = api.get("/api/me", "hc_submitter")["unit_id"]
    inst = api.post("/api/process-definitions/key/draft_consultation/start", "res_office1", expect=201,
                    json={"business_key": "consultation-2026-hc", "variables": {
                        "unit_id": hc_unit, "unit_name": "鸿川集团工会", "deadline": deadline}})
    assert api.tasks("hy_submitter") == []  # another unit does not see it
    [task] = [t for t in api.tasks("hc_submitter") if t["process_instance_id"] == inst["id"]]
    api.post(f"/api/tasks/{task['id']}/complete", "hc_submitter", json={"comments": "建议第三条增加量化指标。"})
    [sign] = [t for t in api.tasks("hc_leader") if t["process_instance_id"] == inst["id"]]
    api.post(f"/api/tasks/{sign['id']}/complete", "hc_leader", json={"signoff_decision": "approve", "leader_name": "黄国栋"})
    [receipt] = [t for t in api.tasks("res_office2") if t["process_instance_id"] == inst["id"]]
    api.post(f"/api/tasks/{receipt['id']}/complete", "res_office2", json={"received_on": "2026-12-27", "receipt_note": "已收"})
    final = api.get(f"/api/process-instances/{inst['id']}", "res_office1")
    assert final["status"] == "completed" and final["end_event"] == "end_returned"
    api.post("/api/process-definitions/key/innovation_appraisal/start", "res_office1", expect=409,
             json={"business_key": "x"})
    api.post("/api/process-definitions/key/draft_consultation/start", "hc_submitter", expect=403,
             json={"business_key": "x"})
