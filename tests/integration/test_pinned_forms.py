"""A campaign records the form versions its process version uses (issue 13.2's "process version and its forms"):
its applications keep them after a newer form is deployed; a new or copied campaign records the versions then in
force; the versions are edited with a reason while the campaign is not in use and refused once it is."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.api_client import Api
from tests.integration import flows

FORMS = Path(__file__).resolve().parents[2] / "processes" / "forms"


def _stricter_signoff() -> dict[str, Any]:
    """leader_signoff with a new required field: what a process administrator might deploy mid-campaign."""
    schema = copy.deepcopy(json.loads((FORMS / "leader_signoff.json").read_text(encoding="utf-8")))
    schema["properties"]["seal_checked"] = {"type": "boolean", "title": "已核对单位公章"}
    schema["required"] = [*schema["required"], "seal_checked"]
    return schema


def test_applications_keep_their_campaigns_form_versions(app: Any) -> None:
    api = Api(app)
    campaign = api.get(f"/api/campaigns/{flows.campaign_id(api)}", "res_office1")
    assert campaign["form_versions"]["leader_signoff"] == 0  # the bundled file was in force when it was created
    assert "application" not in campaign["form_versions"]  # defined by the service's code: no versions
    app_id = flows.create(api, "hc_submitter")["id"]
    api.complete("hc_submitter", "fill_application", app_id, {})
    deployed = api.call("PUT", "/api/forms/leader_signoff", "process_admin", 201,
                        json={"schema": _stricter_signoff()}).get_json()
    assert deployed["version"] == 1
    signoff = api.task_for("hc_leader", "leader_signoff", app_id)
    form = api.get(f"/api/tasks/{signoff['id']}/form", "hc_leader")
    assert "seal_checked" not in form["properties"]  # the campaign's version, not the newer one
    api.post(f"/api/tasks/{signoff['id']}/complete", "hc_leader", json={"signoff_decision": "approve"})
    # the form's page shows the pinned version too
    from tests.web_client import logged_in

    other = flows.create(api, "jx_submitter")["id"]
    api.complete("jx_submitter", "fill_application", other, {})
    leader, _ = logged_in(app, "jx_leader")
    page = leader.get(f"/tasks/{api.task_for('jx_leader', 'leader_signoff', other)['id']}").get_data(as_text=True)
    assert "signoff_decision" in page and "seal_checked" not in page
    # a copy takes last year's versions with the rest; a campaign created now records the version in force now
    copied = api.post("/api/campaigns/copy", "res_office1", expect=201, json={"reason": "明年的评比"})
    assert copied["form_versions"] == campaign["form_versions"]
    created = api.post("/api/campaigns", "res_office1", expect=201, json={
        "year": 2031, "name": "2031年度评比", "grades": ["一等奖", "不授奖"], "no_award_grade": "不授奖",
        "criteria": [{"code": "c", "name": "创新", "weight": 1, "max": 100}]})
    assert created["form_versions"]["leader_signoff"] == 1
    # edited with a reason while not in use (the copy takes the new sign-off form); refused once in use
    edited = api.call("PATCH", f"/api/campaigns/{copied['id']}", "res_office1", 200, json={
        "form_versions": {**copied["form_versions"], "leader_signoff": 1}, "reason": "采用新的签字表"}).get_json()
    assert edited["applied"] and edited["campaign"]["form_versions"]["leader_signoff"] == 1
    refused = api.call("PATCH", f"/api/campaigns/{campaign['id']}", "res_office1", 409, json={
        "form_versions": {**campaign["form_versions"], "leader_signoff": 1}, "reason": "换新表"}).get_json()
    assert any(e["field"] == "form_versions" and e["refused"] for e in refused["effects"])
    unknown = api.call("PATCH", f"/api/campaigns/{copied['id']}", "res_office1", 422, json={
        "form_versions": {"leader_signoff": 7}, "reason": "不存在的版本"}).get_json()
    assert unknown["errors"][0]["field"] == "form_versions.leader_signoff"


def test_a_bundled_version_pins_its_forms_like_a_modeler_deploy(app: Any) -> None:
    """The bundled files deployed at start (``deploy_bundled``) record the form versions then in force, through the
    same store a deploy from the modeler goes through: a running instance of a bundled version keeps its form."""
    from datetime import timedelta

    from service import clock
    from service.workflows.definitions import latest_definition

    with app.app_context(), app.extensions["appraisal.sessions"]() as session:
        meta = latest_definition(session, "draft_consultation").meta
    assert meta["form_versions"] == {"draft_comments": 0, "feedback_receipt": 0, "leader_signoff": 0}
    api = Api(app)
    hc_unit = api.get("/api/me", "hc_submitter")["unit_id"]
    deadline = (clock.local(clock.now()) + timedelta(days=3)).isoformat()
    inst = api.post("/api/process-definitions/key/draft_consultation/start", "res_office1", expect=201,
                    json={"business_key": "consultation-pins", "variables": {
                        "unit_id": hc_unit, "unit_name": "鸿川集团工会", "deadline": deadline}})
    [task] = [t for t in api.tasks("hc_submitter") if t["process_instance_id"] == inst["id"]]
    api.post(f"/api/tasks/{task['id']}/complete", "hc_submitter", json={"comments": "建议增加量化指标。"})
    api.call("PUT", "/api/forms/leader_signoff", "process_admin", 201, json={"schema": _stricter_signoff()})
    [sign] = [t for t in api.tasks("hc_leader") if t["process_instance_id"] == inst["id"]]
    assert "seal_checked" not in api.get(f"/api/tasks/{sign['id']}/form", "hc_leader")["properties"]
    api.post(f"/api/tasks/{sign['id']}/complete", "hc_leader", json={"signoff_decision": "approve"})
