"""The group decision on the ranked list (issue 14.6): the office proposes every item's grade in one step, the
group leader sets them all in one decision, ties share a rank (并列), quotas per grade are refused with a message
naming the grade and its limit, and a refusal changes nothing. SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.models import AuditRecord, Task
from tests.api_client import Api
from tests.integration import flows


def _scored_items(api: Api, values: list[int]) -> list[int]:
    """One 鸿川 item per value, each scored by every scorer at that value: the items wait for the proposal."""
    ids = []
    for i, value in enumerate(values):
        app_id = flows.create(api, "hc_submitter", theme=f"名单项目{i + 1}")["id"]
        flows.submit(api, app_id, "hc_submitter", "hc_leader")
        flows.review_to_scoring(api, app_id)
        for user in flows.SCORER_USERNAMES:
            mine = [t for t in api.tasks(user, application_id=app_id) if t["element_id"] == "democratic_scoring"]
            if mine:
                api.post(f"/api/tasks/{mine[0]['id']}/complete", user, json={"confirm": True, "score": {"criteria": {
                    c: value for c in ("innovation", "effectiveness", "promotion", "recognition", "standardization")}}})
        ids.append(app_id)
    return ids


def _list(ids: list[int], grades: list[str], reason: str = "依得分排序") -> dict[str, Any]:
    return {"items": [{"application_id": i, "grade": g, "reasons": reason} for i, g in zip(ids, grades)]}


def _quotas(api: Api, campaign: int, quotas: dict[str, Any]) -> None:
    api.call("PATCH", f"/api/campaigns/{campaign}", "res_office1", 200,
             json={"grade_quotas": quotas, "reason": "按通知设定各等次名额"})


def test_ranking_shares_ranks_on_ties_and_the_list_is_proposed_and_decided_in_one_step(app: Any) -> None:
    api = Api(app)
    campaign = flows.campaign_id(api)
    ids = _scored_items(api, [90, 80, 80])
    ranked = api.get(f"/api/campaigns/{campaign}/ranking", "group_leader")
    rows = {r["application_id"]: r for r in ranked["items"]}
    assert [rows[i]["rank"] for i in ids] == [1, 2, 2]
    assert [rows[i]["tied"] for i in ids] == [False, True, True]
    assert sorted(ranked["waiting_for_proposal"]) == sorted(ids)

    grades = api.get(f"/api/campaigns/{campaign}", "res_office1")["grades"]
    done = api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1",
                    json=_list(ids, [grades[0], grades[1], grades[1]]))
    assert sorted(done["application_ids"]) == sorted(ids)
    ranked = api.get(f"/api/campaigns/{campaign}/ranking", "group_leader")
    assert {r["application_id"]: r["proposed_grade"] for r in ranked["items"]} == {
        ids[0]: grades[0], ids[1]: grades[1], ids[2]: grades[1]}
    assert all(r["proposal_reasons"] == "依得分排序" for r in ranked["items"])
    assert sorted(ranked["waiting_for_decision"]) == sorted(ids)
    # the unit never sees the office's proposal nor the ranking
    api.get(f"/api/campaigns/{campaign}/ranking", "hc_submitter", expect=403)

    api.post(f"/api/campaigns/{campaign}/grade-decisions", "group_leader",
             json=_list(ids, [grades[0], grades[1], grades[2]], "集体研究决定"))
    for app_id, grade in zip(ids, [grades[0], grades[1], grades[2]]):
        body = api.get(f"/api/applications/{app_id}", "res_office1")
        assert body["grade"] == grade and body["stage"] == "confirmation"
    with app.extensions["appraisal.sessions"]() as s:
        decided = s.scalars(select(AuditRecord).where(AuditRecord.action == "decide_grades")).all()
        assert len(decided) == 1 and len(decided[0].detail["items"]) == 3


def test_a_quota_refuses_the_whole_list_naming_the_grade_and_its_limit(app: Any) -> None:
    api = Api(app)
    campaign = flows.campaign_id(api)
    grades = api.get(f"/api/campaigns/{campaign}", "res_office1")["grades"]
    ids = _scored_items(api, [88, 86, 84])
    _quotas(api, campaign, {grades[0]: {"max": 1}, grades[1]: {"share": 0.34}})

    r = api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1", expect=422,
                 json=_list(ids, [grades[0], grades[0], grades[2]]))
    problem = r.get_json()
    assert r.mimetype == "application/problem+json"
    messages = " ".join(e["message"] for e in problem["errors"])
    assert f"「{grades[0]}」超出名额" in messages and "至多 1 项" in messages
    assert problem["errors"][0]["field"] == f"items.grade.{grades[0]}"
    # nothing was written: every item still waits for its proposal
    assert sorted(api.get(f"/api/campaigns/{campaign}/ranking", "res_office1")["waiting_for_proposal"]) == sorted(ids)
    with app.extensions["appraisal.sessions"]() as s:
        assert s.scalars(select(Task).where(Task.element_id == "propose_grade", Task.state == "completed")).all() == []

    # a share: 34% of the 3 presented items is 1
    r = api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1", expect=422,
                 json=_list(ids, [grades[0], grades[1], grades[1]]))
    assert "34% ，即 1 项".replace(" ", "") in r.get_json()["errors"][0]["message"].replace(" ", "")

    api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1",
             json=_list(ids, [grades[0], grades[1], grades[2]]))
    r = api.post(f"/api/campaigns/{campaign}/grade-decisions", "group_leader", expect=422,
                 json=_list(ids, [grades[1], grades[1], grades[2]]))
    assert f"「{grades[1]}」超出名额" in r.get_json()["errors"][0]["message"]


def test_the_list_must_be_whole_and_valid_and_only_its_roles_may_act(app: Any) -> None:
    api = Api(app)
    campaign = flows.campaign_id(api)
    grades = api.get(f"/api/campaigns/{campaign}", "res_office1")["grades"]
    ids = _scored_items(api, [85, 75])
    r = api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1", expect=422,
                 json=_list(ids[:1], [grades[0]]))
    assert any(e["field"] == "items" and str(ids[1]) in e["message"] for e in r.get_json()["errors"])
    r = api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1", expect=422,
                 json=_list(ids, [grades[0], "特等奖"]))
    assert r.get_json()["errors"][0]["field"] == "items.1.grade"
    r = api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1", expect=422,
                 json=_list([ids[0], ids[0], ids[1]], [grades[0]] * 3))
    assert r.get_json()["errors"][0]["field"] == "items.1.application_id"
    api.post(f"/api/campaigns/{campaign}/grade-proposals", "group_leader", expect=403,
             json=_list(ids, [grades[0], grades[1]]))
    api.post(f"/api/campaigns/{campaign}/grade-decisions", "res_office1", expect=403,
             json=_list(ids, [grades[0], grades[1]]))
    # nothing waits for the decision yet
    r = api.post(f"/api/campaigns/{campaign}/grade-decisions", "group_leader", expect=422,
                 json=_list(ids, [grades[0], grades[1]]))
    assert "没有等待" in r.get_json()["errors"][0]["message"]


def test_the_office_sets_the_quorum_and_the_quotas_on_the_set_up_page(app: Any) -> None:
    from tests.web_client import logged_in

    api = Api(app)
    campaign = flows.campaign_id(api)
    grades = api.get(f"/api/campaigns/{campaign}", "res_office1")["grades"]
    client, token = logged_in(app, "res_office1")
    r = client.post(f"/office/campaigns/{campaign}/setup", data={
        "csrf_token": token, "section": "quotas", "action": "save", "reason": "评审组会议决定",
        "scoring_quorum": "5", f"quota_{grades[0]}": "1", f"quota_{grades[1]}": "30%"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    body = api.get(f"/api/campaigns/{campaign}", "res_office1")
    assert body["scoring_quorum"] == 5
    assert body["grade_quotas"] == {grades[0]: {"max": 1}, grades[1]: {"share": 0.3}}
    page = client.get(f"/office/campaigns/{campaign}/setup").get_data(as_text=True)
    assert 'value="30%"' in page and f'name="quota_{grades[0]}" size="6" value="1"' in page
    r = client.post(f"/office/campaigns/{campaign}/setup", data={
        "csrf_token": token, "section": "quotas", "action": "save", "reason": "错误的名额",
        "scoring_quorum": "", f"quota_{grades[0]}": "150%"})
    assert r.status_code == 422 and "0–1" in r.get_data(as_text=True)


def test_the_old_group_decision_address_leads_to_the_ranked_list_the_inbox_opens(app: Any) -> None:
    """One group-decision page: the ranked list (集体研究名单) the group leader's inbox leads to; the old address
    and the header's meeting link redirect there, so old links and bookmarks keep working."""
    from tests.web_client import logged_in

    api = Api(app)
    campaign = flows.campaign_id(api)
    [app_id] = _scored_items(api, [88])
    grades = api.get(f"/api/campaigns/{campaign}", "res_office1")["grades"]
    api.post(f"/api/campaigns/{campaign}/grade-proposals", "res_office1", json=_list([app_id], [grades[0]]))
    ranked = f"/office/campaigns/{campaign}/decision"
    leader, token = logged_in(app, "group_leader")
    old = leader.get(f"/campaigns/{campaign}/group-decision")
    assert old.status_code == 301 and old.headers["Location"].endswith(ranked)
    assert leader.get("/meetings/group_decision").headers["Location"].endswith(ranked)
    assert leader.post(f"/campaigns/{campaign}/group-decision", data={"csrf_token": token}).status_code == 405
    [meeting] = [t for t in api.tasks("group_leader") if t["form_key"] == "group_decision_list"]
    assert leader.get(f"/tasks/{meeting['id']}").headers["Location"].endswith(ranked)  # where the inbox leads
    page = leader.get(old.headers["Location"]).get_data(as_text=True)
    assert 'id="decision-form"' in page and f'name="grade_{app_id}"' in page
