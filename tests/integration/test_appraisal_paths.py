"""The whole appraisal through the HTTP API, on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from tests.api_client import Api
from tests.integration import flows


def status(api: Api, app_id: int, user: str = "res_office1") -> dict[str, Any]:
    return api.get(f"/api/applications/{app_id}", user)


def test_direct_unit_is_awarded_with_recusal_and_calculation(app: Any) -> None:
    api = Api(app)
    created = flows.create(api, "hc_submitter")
    app_id = created["id"]
    assert created["status"] == "draft" and created["stage"] == "submit" and created["missing"] == []
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    assert status(api, app_id)["stage"] == "preliminary"  # a direct unit skips county vetting
    flows.review_to_scoring(api, app_id)
    scored = flows.score_all(api, app_id)
    assert "scorer_hc" not in scored and len(scored) == 8
    flows.decide(api, app_id)
    flows.confirm(api, app_id)
    confirmed = status(api, app_id)  # confirmed: its result waits for the public notice (公示)
    assert (confirmed["status"], confirmed["stage"], confirmed["grade"]) == ("in_review", "notice", "一等奖")
    flows.finalise(api, app_id)
    final = status(api, app_id)
    assert final["status"] == "awarded" and final["outcome"] == "awarded" and final["grade"] == "一等奖"
    assert final["recusals"] == [{"user_id": final["recusals"][0]["user_id"], "name": "宋玉兰",
                                  "reason_code": "same_unit", "reason": final["recusals"][0]["reason"]}]
    calc = final["calculation"]
    assert calc["method"] == "trimmed_mean" and calc["count"] == 8 and len(calc["dropped"]) == 2
    # scores 81..88 (scorer index 1 skipped): drop 81 and 88, mean of 82..87 = 84.5
    assert final["final_score"] == 84.5
    history = api.get(f"/api/process-instances/{final['process_instance_id']}/history", "res_office1")["items"]
    elements = [h["element_id"] for h in history]
    assert elements.index("fill_application") < elements.index("aggregate_scores_task") < elements.index("end_awarded")
    instance = api.get(f"/api/process-instances/{final['process_instance_id']}", "res_office1")
    assert instance["status"] == "completed" and instance["end_event"] == "end_awarded"
    results = api.get(f"/api/campaigns/{final['campaign_id']}/results", "group_leader")["items"]
    assert results[0]["application_id"] == app_id and results[0]["calculation"]["final"] == 84.5


def test_enterprise_is_vetted_returned_resubmitted_and_awarded(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    assert status(api, app_id)["stage"] == "vetting"
    api.complete("jx_vetter", "county_vetting", app_id, {"vetting_decision": "return", "vetting_reasons": "成效数据需补充来源"})
    returned = status(api, app_id, "hy_submitter")
    assert returned["status"] == "returned" and returned["stage"] == "submit"
    api.call("PUT", f"/api/applications/{app_id}", "hy_submitter", expect=200,
             json={"effects": "覆盖职工3.2万人（区统计局数据），满意率98%。"})
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    api.complete("jx_vetter", "county_vetting", app_id, {"vetting_decision": "approve"})
    flows.review_to_scoring(api, app_id)
    scored = flows.score_all(api, app_id)
    assert "scorer_jx" not in scored  # the supervising union's member is recused
    flows.decide(api, app_id, "二等奖")
    flows.confirm(api, app_id)
    flows.finalise(api, app_id)
    final = status(api, app_id, "hy_submitter")
    assert final["status"] == "awarded" and final["grade"] == "二等奖"
    assert final["effects"].startswith("覆盖职工3.2万人（区统计局数据）")
    assert "recusals" not in final and "calculation" not in final  # scorers stay anonymous to the applicant
    assert status(api, app_id)["recusals"][0]["reason_code"] == "supervising_union"


def test_rejected_at_vetting(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "rz_submitter")["id"]
    flows.submit(api, app_id, "rz_submitter", "rz_leader")
    assert api.tasks("jx_vetter", application_id=app_id) == []  # another union's vetter
    api.complete("health_vetter", "county_vetting", app_id, {"vetting_decision": "reject", "vetting_reasons": "不属于本年度工作"})
    final = status(api, app_id)
    assert final["status"] == "rejected" and final["stage"] is None
    assert api.tasks("lg_member1", application_id=app_id) == []


def test_not_shortlisted(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "econ_submitter")["id"]
    flows.submit(api, app_id, "econ_submitter", "econ_leader")
    api.complete("lg_member2", "preliminary_review", app_id, {"shortlisted": False, "review_reasons": "创新性不足",
                                                                "unit_reasons": "与往年项目重复"})
    assert status(api, app_id)["status"] == "not_shortlisted"


def test_leader_sends_back_then_chair_sends_decision_back_then_not_awarded(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "htz_submitter")["id"]
    api.complete("htz_submitter", "fill_application", app_id, {})
    api.complete("htz_leader", "leader_signoff", app_id, {"signoff_decision": "return", "leader_name": "罗红梅",
                                                          "signoff_comment": "请补充具体成效"})
    assert status(api, app_id, "htz_submitter")["status"] == "returned"
    flows.submit(api, app_id, "htz_submitter", "htz_leader")
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id, 60)
    flows.decide(api, app_id, "三等奖")
    api.complete("chair_office", "chair_confirmation", app_id, {"chair_decision": "send_back", "chair_comment": "请再议"})
    assert status(api, app_id)["stage"] == "decision"
    api.complete("group_leader", "set_grade", app_id, {"final_grade": "不授奖", "decision_reasons": "综合考虑"})
    flows.confirm(api, app_id)
    flows.finalise(api, app_id)
    final = status(api, app_id)
    assert final["status"] == "not_awarded" and final["grade"] == "不授奖"
    history = api.get(f"/api/process-instances/{final['process_instance_id']}/history", "res_office1")["items"]
    assert [h["element_id"] for h in history].count("set_grade") == 2


def test_validation_errors_name_fields(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    r = api.post("/api/applications", "hc_submitter", expect=422,
                 json={"campaign_id": cid, "category": "9", "conditions": ["7"], "theme": "x" * 201})
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert {"category", "conditions", "theme"} <= fields
    assert r.headers["Content-Type"] == "application/problem+json"
    draft = api.post("/api/applications", "hc_submitter", expect=201, json={"campaign_id": cid, "theme": "只有主题"})
    assert {m["field"] for m in draft["missing"]} >= {"content", "category", "conditions"}
    r = api.complete("hc_submitter", "fill_application", draft["id"], {}, expect=422)
    assert {"content", "proposer", "refinement", "effects", "category", "conditions"} <= {e["field"] for e in r.get_json()["errors"]}
    r = api.complete("hc_submitter", "fill_application", draft["id"], {**flows.GOOD_APPLICATION, "conditions": []}, expect=422)
    assert [e["field"] for e in r.get_json()["errors"]] == ["conditions"]
    assert api.get(f"/api/applications/{draft['id']}", "hc_submitter")["content"] == ""  # nothing half-written
    api.complete("hc_submitter", "fill_application", draft["id"], flows.GOOD_APPLICATION)
    api.complete("hc_leader", "leader_signoff", draft["id"], {"signoff_decision": "approve", "leader_name": "黄国栋"})
    r = api.complete("lg_member1", "preliminary_review", draft["id"], {"shortlisted": "yes"}, expect=422)
    assert {e["field"] for e in r.get_json()["errors"]} >= {"decisions.0.shortlisted", "decisions.0.review_reasons"}
    flows.review_to_scoring(api, draft["id"])
    task = api.task_for("scorer_org", "democratic_scoring", draft["id"])
    r = api.post(f"/api/tasks/{task['id']}/complete", "scorer_org", expect=422,
                 json={"score": {"criteria": {"innovation": 101, "bogus": 1}}})
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert {"score.criteria.innovation", "score.criteria.bogus", "score.criteria.effectiveness"} <= fields
    # a scorer's sheet is irreversible (its form says x-irreversible): a valid sheet without confirm: true is
    # refused naming confirm, and the sheet stays open; a confirm that is not a boolean is refused the same way
    sheet = {"score": {"criteria": dict.fromkeys(("innovation", "effectiveness", "promotion", "recognition",
                                                  "standardization"), 80)}}
    for body in (sheet, {**sheet, "confirm": False}, {**sheet, "confirm": "yes"}):
        r = api.post(f"/api/tasks/{task['id']}/complete", "scorer_org", expect=422, json=body)
        assert r.mimetype == "application/problem+json"
        assert [e["field"] for e in r.get_json()["errors"]] == ["confirm"], r.get_json()
    assert api.get(f"/api/tasks/{task['id']}", "scorer_org")["state"] == "open"
    done = api.post(f"/api/tasks/{task['id']}/complete", "scorer_org", json={**sheet, "confirm": True})
    assert done["state"] == "completed" and "confirm" not in (done.get("data") or {})
    assert api.post("/api/applications", "hc_submitter", expect=400, data="not json").get_json()["status"] == 400


def test_authorization_matrix(app: Any) -> None:
    api = Api(app)
    hc = flows.create(api, "hc_submitter")["id"]
    hy = flows.create(api, "hy_submitter")["id"]
    rz = flows.create(api, "rz_submitter")["id"]
    api.get("/api/applications", None, expect=401)
    api.get(f"/api/applications/{hc}", "hy_submitter", expect=404)  # another unit's application is invisible
    assert {a["id"] for a in api.get("/api/applications", "hy_submitter")["items"]} == {hy}
    flows.submit(api, hy, "hy_submitter", "hy_leader")
    flows.submit(api, rz, "rz_submitter", "rz_leader")
    assert {a["id"] for a in api.get("/api/applications", "jx_vetter")["items"]} == {hy}  # own enterprises only
    api.get(f"/api/applications/{rz}", "jx_vetter", expect=404)
    vetting = api.task_for("health_vetter", "county_vetting", rz)
    api.post(f"/api/tasks/{vetting['id']}/complete", "jx_vetter", expect=404, json={"vetting_decision": "approve"})
    fill = api.task_for("hc_submitter", "fill_application", hc)
    api.post(f"/api/tasks/{fill['id']}/complete", "lg_member1", expect=404, json={})  # not the member's role
    api.post(f"/api/tasks/{fill['id']}/complete", "res_office1", expect=403, json={})  # office sees, may not do
    api.post(f"/api/tasks/{fill['id']}/claim", "hc_submitter")
    api.post(f"/api/tasks/{fill['id']}/claim", "hc_submitter")  # idempotent for the assignee
    api.post("/api/campaigns", "hc_submitter", expect=403, json={})
    api.post("/api/process-definitions", "res_office1", expect=403, data=b"<x/>")
    api.get(f"/api/campaigns/{flows.campaign_id(api)}/results", "hy_submitter", expect=403)
    api.get("/api/process-instances", "hy_submitter", expect=403)
    api.post("/api/applications", "jx_vetter", expect=403, json={"campaign_id": flows.campaign_id(api)})


def test_completing_twice_is_a_conflict_and_claims_are_exclusive(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    fill = api.task_for("hc_submitter", "fill_application", app_id)
    api.post(f"/api/tasks/{fill['id']}/complete", "hc_submitter", json={})
    r = api.post(f"/api/tasks/{fill['id']}/complete", "hc_submitter", expect=409, json={})
    assert f"任务 {fill['id']} 已经是 已完成 状态" in r.get_json()["detail"]  # the state by its name, in Chinese
    api.complete("hc_leader", "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "黄国栋"})
    api.complete("group_leader", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "x"})
    record = api.task_for("res_office1", "record_presentation", app_id)
    done = {"presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "x"}
    api.post(f"/api/tasks/{record['id']}/claim", "res_office1")
    api.post(f"/api/tasks/{record['id']}/claim", "res_office2", expect=409)
    api.post(f"/api/tasks/{record['id']}/complete", "res_office2", expect=403, json=done)
    api.post(f"/api/tasks/{record['id']}/unclaim", "res_office1")
    api.post(f"/api/tasks/{record['id']}/complete", "res_office2", json=done)
