"""The meetings decide lists (issue 14 items 1, 2, 3, 7), on SQLite and PostgreSQL: each item's process waits at a
message catch event, the campaign's review process holds the meetings, and each meeting's rule is enforced with a
problem naming the field or the item."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from service import clock
from service.models import Application, Campaign, OutboxMessage, ProcessInstance, Task
from service.workflows import campaign_setup
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in


def _waiting(app: Any, app_id: int) -> Task | None:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(Task).where(Task.application_id == app_id, Task.state == "waiting"))


def _campaign_task(app: Any, element: str) -> Task | None:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(Task).where(Task.element_id == element, Task.state == "open"))


def _problem(r: Any) -> dict[str, Any]:
    assert r.headers["Content-Type"] == "application/problem+json", r.headers["Content-Type"]
    return r.get_json()


def _fields(r: Any) -> set[str]:
    return {e["field"] for e in _problem(r)["errors"]}


def test_the_shortlist_is_prepared_viewed_by_a_quorum_and_closed_with_reasons(app: Any) -> None:
    api = Api(app)
    a = flows.create(api, "hc_submitter")["id"]
    b = flows.create(api, "econ_submitter")["id"]
    flows.submit(api, a, "hc_submitter", "hc_leader")
    flows.submit(api, b, "econ_submitter", "econ_leader")
    cid = flows.campaign_id(api)
    # each item waits at its message catch event, an indexed row naming the message
    row = _waiting(app, a)
    assert row is not None and row.element_id == "preliminary_review" and row.message == "shortlist_decided"
    assert api.get(f"/api/applications/{a}", "res_office1")["stage"] == "preliminary"
    # the first item to arrive started the campaign's review and called the office to prepare the list
    with app.extensions["appraisal.sessions"]() as s:
        review = s.scalar(select(ProcessInstance).where(ProcessInstance.business_key == f"campaign-{cid}"))
        assert review is not None and review.status == "active"
    sitting = api.get(f"/api/campaigns/{cid}/shortlist", "res_office1")
    assert sitting["preparing"] and not sitting["sitting"]
    assert [i["application_id"] for i in sitting["waiting"]] == [a, b]
    api.get(f"/api/campaigns/{cid}/shortlist", "hc_submitter", expect=403)
    base = f"/api/campaigns/{cid}/shortlist"
    _problem(api.post(f"{base}/candidates", "lg_member1", expect=403, json={"candidate_ids": [a]}))
    assert _fields(api.post(f"{base}/candidates", "res_office1", expect=422,
                            json={"candidate_ids": [a, 999999]})) == {"candidate_ids.1"}
    sitting = api.post(f"{base}/candidates", "res_office1", json={"candidate_ids": [a, b], "note": "两项均符合条件"})
    assert sitting["sitting"] and [i["application_id"] for i in sitting["items"]] == [a, b]
    # the meeting's task is done on the meeting's page, never one item through the task form
    meeting = _campaign_task(app, "shortlist_meeting")
    assert meeting is not None and meeting.role == "group_leader" and meeting.application_id is None
    refused = api.post(f"/api/tasks/{meeting.id}/complete", "group_leader", expect=409,
                       json={"shortlisted_ids": [a], "not_shortlisted_ids": [b], "last_sitting": False})
    assert "会议页面" in _problem(refused)["detail"]
    # views: members only, on listed items only
    _problem(api.post(f"{base}/views", "hc_submitter", expect=403,
                      json={"views": [{"application_id": a, "view": "in"}]}))
    assert _fields(api.post(f"{base}/views", "lg_member1", expect=422,
                            json={"views": [{"application_id": 999999, "view": "in"}]})) == {"views.0.application_id"}
    assert "views.0.view" in _fields(api.post(f"{base}/views", "lg_member1", expect=422,
                                              json={"views": [{"application_id": a, "view": "maybe"}]}))
    api.post(f"{base}/views", "lg_member1", json={"views": [{"application_id": a, "view": "in", "note": "成效突出"}]})
    decisions = [{"application_id": a, "shortlisted": True, "review_reasons": "创新性突出"},
                 {"application_id": b, "shortlisted": False, "review_reasons": "与往年重复（内部）",
                  "unit_reasons": "申报内容与往年获奖项目重复"}]
    # closing before the quorum (default 2) has recorded views on every candidate is refused, saying why
    early = api.post(f"{base}/close", "group_leader", expect=409, json={"decisions": decisions})
    assert "法定人数" in _problem(early)["detail"]  # in the request's language (Chinese by default)
    api.post(f"{base}/views", "lg_member1", json={"views": [{"application_id": b, "view": "out", "note": "重复"}]})
    sitting = api.post(f"{base}/views", "lg_member2", json={"views": [{"application_id": a, "view": "in"},
                                                                       {"application_id": b, "view": "abstain"}]})
    assert sitting["members_recorded"] == 2 and sitting["quorum"] == 2
    assert {(v["name"], v["view"]) for v in sitting["items"][1]["views"]} == {("韩志刚", "out"), ("杜秀梅", "abstain")}
    # only the group leader closes; every candidate needs a decision; a unit not shortlisted is told why
    _problem(api.post(f"{base}/close", "lg_member1", expect=403, json={"decisions": decisions}))
    assert _fields(api.post(f"{base}/close", "group_leader", expect=422, json={"decisions": decisions[:1]})) == {"decisions"}
    no_reason = [decisions[0], {**decisions[1], "unit_reasons": ""}]
    assert _fields(api.post(f"{base}/close", "group_leader", expect=422,
                            json={"decisions": no_reason})) == {"decisions.1.unit_reasons"}
    closed = api.post(f"{base}/close", "group_leader", json={"decisions": decisions})
    assert not closed["sitting"] and closed["items"] == []
    assert api.get(f"/api/applications/{a}", "res_office1")["stage"] == "presentation"
    assert api.task_for("res_office1", "record_presentation", a)
    refused_app = api.get(f"/api/applications/{b}", "econ_submitter")
    assert refused_app["status"] == "not_shortlisted"
    with app.extensions["appraisal.sessions"]() as s:
        told = list(s.scalars(select(OutboxMessage).where(OutboxMessage.template == "application_result",
                                                          OutboxMessage.channel == "inapp")))
        assert {m.recipient["user_id"] for m in told} and all(
            "申报内容与往年获奖项目重复" in str(m.context) and "内部" not in str(m.context) for m in told)
        decided = s.scalar(select(Task).where(Task.application_id == b, Task.element_id == "preliminary_review"))
        assert decided.state == "completed" and decided.data["unit_reasons"] == "申报内容与往年获奖项目重复"
    client, _ = logged_in(app, "econ_submitter")
    page = client.get(f"/applications/{b}").get_data(as_text=True)
    assert "申报内容与往年获奖项目重复" in page and "与往年重复（内部）" not in page
    assert "领导小组初评会议决定：未列入初步入选名单" in page  # the decision, as a sentence in its history
    history = api.get(f"/api/process-instances/{refused_app['process_instance_id']}/history", "res_office1")["items"]
    [entry] = [h for h in history if h["element_id"] == "preliminary_review"]
    assert entry["actor_id"] is not None  # the group leader who closed the list


def test_the_campaign_sets_the_quorum(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    api.call("PATCH", f"/api/campaigns/{cid}", "res_office1", expect=200,
             json={"shortlist_quorum": 3, "reason": "三位成员到会方可结束名单"})
    a = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, a, "hc_submitter", "hc_leader")
    api.shortlist_sitting([a])  # two members record their views
    decision = {"application_id": a, "shortlisted": True, "review_reasons": "好"}
    early = api.post(f"/api/campaigns/{cid}/shortlist/close", "group_leader", expect=409, json={"decisions": [decision]})
    assert "需要 3 位" in _problem(early)["detail"]
    api.post(f"/api/campaigns/{cid}/shortlist/views", "lg_member3", json={"views": [{"application_id": a, "view": "in"}]})
    api.post(f"/api/campaigns/{cid}/shortlist/close", "group_leader", json={"decisions": [decision]})
    assert api.get(f"/api/applications/{a}", "res_office1")["stage"] == "presentation"


def _to_group_decision(api: Api, submitter: str, leader: str) -> int:
    app_id = flows.create(api, submitter)["id"]
    flows.submit(api, app_id, submitter, leader)
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id)
    api.complete("res_office1", "propose_grade", app_id, {"proposed_grade": "一等奖", "proposal_reasons": "得分高"})
    return app_id


def test_the_chair_confirms_the_whole_list_or_sends_named_items_back(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    a = _to_group_decision(api, "hc_submitter", "hc_leader")
    b = _to_group_decision(api, "econ_submitter", "econ_leader")
    listed = api.get(f"/api/campaigns/{cid}/group-decision", "group_leader")
    assert listed["sitting"] and [i["application_id"] for i in listed["items"]] == [a, b]
    gd = f"/api/campaigns/{cid}/group-decision/complete"
    _problem(api.post(gd, "res_office1", expect=403, json={"decisions": [{"application_id": a, "final_grade": "一等奖"}]}))
    bad = [{"application_id": a, "final_grade": "特等奖"}, {"application_id": b, "final_grade": "二等奖"}]
    assert _fields(api.post(gd, "group_leader", expect=422, json={"decisions": bad})) == {"decisions.0.final_grade"}
    assert _fields(api.post(gd, "group_leader", expect=422,
                            json={"decisions": [{"application_id": a, "final_grade": "一等奖"}]})) == {"decisions"}
    api.post(gd, "group_leader", json={"decisions": [{"application_id": a, "final_grade": "一等奖"},
                                                     {"application_id": b, "final_grade": "二等奖"}]})
    chair = api.get(f"/api/campaigns/{cid}/chair-confirmation", "chair_office")
    assert chair["sitting"] and {(i["application_id"], i["grade"]) for i in chair["items"]} == {(a, "一等奖"), (b, "二等奖")}
    done = f"/api/campaigns/{cid}/chair-confirmation/complete"
    _problem(api.post(done, "group_leader", expect=403, json={}))
    assert _fields(api.post(done, "chair_office", expect=422, json={"send_back": [
        {"application_id": 999999, "reasons": "x"}]})) == {"send_back.0.application_id"}
    assert "send_back.0.reasons" in _fields(api.post(done, "chair_office", expect=422, json={"send_back": [
        {"application_id": b, "reasons": ""}]}))
    # named items go back to the group decision with the reasons; the rest wait for the next confirmation
    api.post(done, "chair_office", json={"send_back": [{"application_id": b, "reasons": "请结合公开讲述再议"}]})
    assert [i["application_id"] for i in api.get(f"/api/campaigns/{cid}/group-decision", "group_leader")["items"]] == [b]
    waiting = api.get(f"/api/campaigns/{cid}/chair-confirmation", "chair_office")
    assert waiting["sitting"] and [i["application_id"] for i in waiting["items"]] == [a]  # the rest wait
    assert api.get(f"/api/applications/{a}", "res_office1")["status"] == "in_review"
    with app.extensions["appraisal.sessions"]() as s:
        back = s.scalar(select(Task).where(Task.application_id == b, Task.element_id == "chair_confirmation",
                                           Task.state == "completed"))
        assert back.data == {"chair_decision": "send_back", "chair_comment": "请结合公开讲述再议"}
    api.post(gd, "group_leader", json={"decisions": [{"application_id": b, "final_grade": "三等奖",
                                                      "decision_reasons": "按办公会意见再议"}]})
    chair = api.get(f"/api/campaigns/{cid}/chair-confirmation", "chair_office")
    assert sorted(i["application_id"] for i in chair["items"]) == [a, b]
    api.post(done, "chair_office", json={"note": "同意"})
    first, second = (api.get(f"/api/applications/{x}", "res_office1") for x in (a, b))
    assert {(x["status"], x["stage"]) for x in (first, second)} == {("in_review", "notice")}  # 公示 next
    notice = flows.publish(api)
    assert sorted(i["application_id"] for i in notice["items"]) == [a, b]
    flows.sweep_notices(api, clock.parse_iso(notice["ends_at"]) + timedelta(seconds=1))
    first, second = (api.get(f"/api/applications/{x}", "res_office1") for x in (a, b))
    assert (first["status"], first["grade"]) == ("awarded", "一等奖")
    assert (second["status"], second["grade"]) == ("awarded", "三等奖")
    history = [h["element_id"] for h in api.get(f"/api/process-instances/{second['process_instance_id']}/history",
                                                 "res_office1")["items"]]
    assert history.count("set_grade") == 2 and history.count("chair_confirmation") == 2


def test_a_supervising_union_vets_then_forwards_its_approved_items_as_one_batch(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    hy = flows.create(api, "hy_submitter")["id"]
    rz = flows.create(api, "rz_submitter")["id"]
    flows.submit(api, hy, "hy_submitter", "hy_leader")
    flows.submit(api, rz, "rz_submitter", "rz_leader")
    # the vetting deadline is the campaign's: working days after the window closes, on its calendar
    with app.extensions["appraisal.sessions"]() as s:
        campaign = s.get(Campaign, cid)
        deadline = campaign_setup.vetting_due_at(campaign)
        closes = campaign.closes_at
    vetting = api.task_for("jx_vetter", "county_vetting", hy)
    assert clock.parse_iso(vetting["due_at"]) == deadline and deadline > closes
    assert clock.local(deadline).time() == datetime(2027, 1, 1, 23, 59, 59).time()
    api.post(f"/api/tasks/{vetting['id']}/complete", "jx_vetter", json={"vetting_decision": "approve"})
    # approved, the item waits for its union's batch
    row = _waiting(app, hy)
    assert row is not None and row.message == "forwarded" and row.element_id == "await_forwarding"
    assert api.get(f"/api/applications/{hy}", "res_office1")["stage"] == "vetting"
    forwarding = api.get(f"/api/campaigns/{cid}/forwarding", "jx_vetter")
    assert [i["application_id"] for i in forwarding["items"]] == [hy] and "final_score" not in forwarding["items"][0]
    assert api.get(f"/api/campaigns/{cid}/forwarding", "health_vetter")["items"] == []
    url = f"/api/campaigns/{cid}/forwarding/forward"
    assert _fields(api.post(url, "health_vetter", expect=422, json={"application_ids": [hy], "opinion": "同意"})) \
        == {"application_ids.0"}
    assert _fields(api.post(url, "jx_vetter", expect=422, json={"application_ids": [rz], "opinion": "同意"})) \
        == {"application_ids.0"}
    assert "opinion" in _fields(api.post(url, "jx_vetter", expect=422, json={"application_ids": [hy], "opinion": ""}))
    _problem(api.post(url, "lg_member1", expect=403, json={"application_ids": [hy], "opinion": "同意"}))
    api.post(url, "jx_vetter", json={"application_ids": [hy], "opinion": "经竞秀区总工会审核，同意推荐。"})
    assert api.get(f"/api/applications/{hy}", "res_office1")["stage"] == "preliminary"
    client, _ = logged_in(app, "hy_submitter")
    printed = client.get(f"/applications/{hy}/print").get_data(as_text=True)
    assert printed.count("经竞秀区总工会审核，同意推荐。") == 2  # on both copies (一式二份)
    # a later campaign setting applies to vetting that starts later
    api.call("PATCH", f"/api/campaigns/{cid}", "res_office1", expect=200,
             json={"vetting_working_days": 2, "reason": "缩短审核期限"})
    later = api.task_for("health_vetter", "county_vetting", rz)
    assert clock.parse_iso(later["due_at"]) == deadline  # already being vetted: keeps its deadline
    with app.extensions["appraisal.sessions"]() as s:
        assert campaign_setup.vetting_due_at(s.get(Campaign, cid)) < deadline
        assert s.get(Application, hy).stage == "preliminary"
