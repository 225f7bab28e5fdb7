"""The scoring step as the office runs it (issue 14.5): a scorer's irreversible submit needs `confirm: true`; the
office enters a paper score sheet on a scorer's behalf (recorded as such, audited); closes an item's scoring once
the campaign's quorum has scored (refused below it, with a clear message); replaces an absent scorer with a
reason; and who scores what is shown only to the office and the deciding roles. SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.models import AuditRecord, Task, User
from tests.api_client import Api
from tests.integration import flows

CRITERIA = ("innovation", "effectiveness", "promotion", "recognition", "standardization")


def _values(value: float) -> dict[str, float]:
    return {c: value for c in CRITERIA}


def _item_at_scoring(api: Api, theme: str = "评分办理测试") -> int:
    app_id = flows.create(api, "hc_submitter", theme=theme)["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    return app_id


def _sheet(api: Api, user: str, app_id: int) -> dict[str, Any]:
    return api.task_for(user, "democratic_scoring", app_id)


def _audit(app: Any, action: str) -> list[AuditRecord]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def _user_id(app: Any, username: str) -> int:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(User.id).where(User.username == username))


def _quorum(api: Api, quorum: int | None) -> None:
    api.call("PATCH", f"/api/campaigns/{flows.campaign_id(api)}", "res_office1", 200,
             json={"scoring_quorum": quorum, "reason": "评审组会议决定法定人数"})


def test_a_scorer_confirms_before_the_irreversible_submit(app: Any) -> None:
    api = Api(app)
    app_id = _item_at_scoring(api)
    task = _sheet(api, "scorer_org", app_id)
    r = api.post(f"/api/tasks/{task['id']}/score-sheet", "scorer_org", expect=422,
                 json={"criteria": _values(80)})
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["errors"] == [{"field": "confirm", "message": r.get_json()["errors"][0]["message"]}]
    assert "确认" in r.get_json()["errors"][0]["message"]
    r = api.post(f"/api/tasks/{task['id']}/score-sheet", "scorer_org", expect=422,
                 json={"criteria": {**_values(80), "innovation": 101}, "confirm": True})
    assert r.get_json()["errors"][0]["field"] == "score.criteria.innovation"
    done = api.post(f"/api/tasks/{task['id']}/score-sheet", "scorer_org",
                    json={"criteria": _values(80), "comment": "成效突出", "confirm": True})
    assert done["state"] == "completed"
    api.post(f"/api/tasks/{task['id']}/score-sheet", "scorer_org", expect=409,
             json={"criteria": _values(90), "confirm": True})
    # another scorer's sheet is not theirs
    other = _sheet(api, "scorer_rights", app_id)
    api.post(f"/api/tasks/{other['id']}/score-sheet", "scorer_org", expect=404,
             json={"criteria": _values(90), "confirm": True})


def test_the_office_enters_a_paper_sheet_recorded_and_audited_as_such(app: Any) -> None:
    api = Api(app)
    app_id = _item_at_scoring(api)
    task = _sheet(api, "scorer_pub", app_id)
    api.post(f"/api/tasks/{task['id']}/paper-sheet", "scorer_org", expect=403,
             json={"criteria": _values(70), "confirm": True})
    api.post(f"/api/tasks/{task['id']}/paper-sheet", "res_office1", expect=422, json={"criteria": _values(70)})
    done = api.post(f"/api/tasks/{task['id']}/paper-sheet", "res_office1",
                    json={"criteria": _values(70), "confirm": True, "reason": "现场纸质评分表"})
    assert done["state"] == "completed"
    assert not [t for t in api.tasks("scorer_pub", application_id=app_id) if t["element_id"] == "democratic_scoring"]
    records = _audit(app, "paper_score_sheet")
    assert len(records) == 1 and records[0].detail["paper_sheet_for"] == _user_id(app, "scorer_pub")
    assert records[0].actor_id == _user_id(app, "res_office1")
    status = api.get(f"/api/applications/{app_id}/scoring", "res_office1")
    mine = [s for s in status["sheets"] if s["task_id"] == task["id"]][0]
    assert mine["paper"] is True and mine["scorer_name"] == "萧振宇"
    flows.score_all(api, app_id, 80)
    calc = api.get(f"/api/applications/{app_id}", "res_office1")["calculation"]
    paper = [row for row in calc["per_scorer"] if row.get("paper")]
    assert [row["scorer"] for row in paper] == [_user_id(app, "scorer_pub")] and paper[0]["total"] == 70.0


def test_scoring_closes_at_the_quorum_and_is_refused_below_it(app: Any) -> None:
    api = Api(app)
    app_id = _item_at_scoring(api)
    scorers = [u for u in flows.SCORER_USERNAMES if u != "scorer_hc"]
    r = api.post(f"/api/applications/{app_id}/scoring/close", "res_office1", expect=409, json={"reason": "会议结束"})
    assert "未设定" in r.get_json()["detail"]
    _quorum(api, 5)
    for user in scorers[:4]:
        api.post(f"/api/tasks/{_sheet(api, user, app_id)['id']}/score-sheet", user,
                 json={"criteria": _values(80 + scorers.index(user)), "confirm": True})
    r = api.post(f"/api/applications/{app_id}/scoring/close", "res_office1", expect=409, json={"reason": "会议结束"})
    assert r.mimetype == "application/problem+json"
    assert "已提交 4 份评分，未达到法定人数 5 份" in r.get_json()["detail"]
    assert api.get(f"/api/applications/{app_id}/scoring", "res_office1")["can_close"] is False
    api.post(f"/api/applications/{app_id}/scoring/close", "group_leader", expect=403, json={"reason": "会议结束"})
    user = scorers[4]
    api.post(f"/api/tasks/{_sheet(api, user, app_id)['id']}/score-sheet", user,
             json={"criteria": _values(90), "confirm": True})
    assert api.get(f"/api/applications/{app_id}/scoring", "res_office1")["can_close"] is True
    status = api.post(f"/api/applications/{app_id}/scoring/close", "res_office1", json={"reason": "三位成员缺席，已达法定人数"})
    assert status["submitted"] == 5 and status["open"] == 0
    body = api.get(f"/api/applications/{app_id}", "res_office1")
    assert body["stage"] == "decision" and body["calculation"]["count"] == 5
    assert sorted(body["calculation"]["not_scored"]) == sorted(_user_id(app, u) for u in scorers[5:])
    record = _audit(app, "close_scoring")[-1]
    assert record.detail["quorum"] == 5 and record.detail["reason"] == "三位成员缺席，已达法定人数"
    # the unit sees neither who scored nor who did not
    unit_view = api.get(f"/api/applications/{app_id}", "hc_submitter")
    assert "calculation" not in unit_view


def test_an_absent_scorer_is_replaced_with_a_reason_by_another_of_the_campaigns_scorers(app: Any) -> None:
    api = Api(app)
    campaign = flows.campaign_id(api)
    listed = api.get(f"/api/campaigns/{campaign}", "res_office1")["scorer_ids"]
    trans = _user_id(app, "scorer_trans")
    app_id = flows.create(api, "hc_submitter", theme="更换评分成员")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.call("PUT", f"/api/campaigns/{campaign}/scorers", "res_office1", 200,
             json={"scorer_ids": [i for i in listed if i != trans]})
    flows.review_to_scoring(api, app_id)
    api.call("PUT", f"/api/campaigns/{campaign}/scorers", "res_office1", 200, json={"scorer_ids": listed})
    absent, org = _user_id(app, "scorer_org"), _user_id(app, "scorer_org")
    body = {"scorer_id": absent, "replacement_id": _user_id(app, "scorer_hc"), "reason": "唐国强出差缺席"}
    r = api.post(f"/api/applications/{app_id}/scoring/replace", "res_office1", expect=422, json=body)
    assert r.get_json()["errors"][0]["field"] == "replacement_id" and "回避" in r.get_json()["errors"][0]["message"]
    r = api.post(f"/api/applications/{app_id}/scoring/replace", "res_office1", expect=422,
                 json={**body, "replacement_id": _user_id(app, "res_office2")})
    assert r.get_json()["errors"][0]["field"] == "replacement_id"
    api.post(f"/api/applications/{app_id}/scoring/replace", "scorer_org", expect=403, json={**body, "replacement_id": trans})
    status = api.post(f"/api/applications/{app_id}/scoring/replace", "res_office1", json={**body, "replacement_id": trans})
    holders = {s["scorer_id"] for s in status["sheets"] if s["state"] == "open"}
    assert trans in holders and org not in holders
    record = _audit(app, "replace_scorer")[-1]
    assert record.detail["from"] == absent and record.detail["to"] == trans and record.detail["reason"] == "唐国强出差缺席"
    sheet = _sheet(api, "scorer_trans", app_id)
    api.post(f"/api/tasks/{sheet['id']}/score-sheet", "scorer_trans", json={"criteria": _values(77), "confirm": True})
    with app.extensions["appraisal.sessions"]() as s:
        assert s.get(Task, sheet["id"]).completed_by == trans


def test_who_scores_an_item_is_shown_only_to_the_office_and_the_deciding_roles(app: Any) -> None:
    api = Api(app)
    app_id = _item_at_scoring(api)
    for user in ("hc_submitter", "hc_leader", "scorer_org", "jx_vetter"):
        api.get(f"/api/applications/{app_id}/scoring", user, expect=403)
    api.get(f"/api/applications/{app_id}/scoring", "process_admin", expect=403)
    for user in ("res_office1", "group_leader", "lg_member1", "chair_office"):
        status = api.get(f"/api/applications/{app_id}/scoring", user)
        assert status["eligible"] == 8 and all(s["scorer_name"] for s in status["sheets"])


def test_the_scoring_page_and_a_task_page_ask_before_an_irreversible_submit(app: Any) -> None:
    """The pages read the one definition (the form's x-irreversible) the API's confirm does: the scoring page's
    first submit only shows the totals to confirm, the second (confirm=1) submits; the generic task page of a
    task whose form is not irreversible shows no confirmation."""
    from tests.web_client import csrf, logged_in

    api = Api(app)
    app_id = _item_at_scoring(api, "页面确认测试")
    task = _sheet(api, "scorer_org", app_id)
    client, _token = logged_in(app, "scorer_org")
    form = {"csrf_token": csrf(client, "/scoring"), **{f"s{task['id']}_{c}": "80" for c in CRITERIA}}
    asked = client.post("/scoring", data=form)
    assert asked.status_code == 200 and 'id="confirm-scores"' in asked.get_data(as_text=True)
    assert api.get(f"/api/tasks/{task['id']}", "scorer_org")["state"] == "open"  # nothing submitted yet
    done = client.post("/scoring", data={**form, "confirm": "1"})
    assert done.status_code == 302
    assert api.get(f"/api/tasks/{task['id']}", "scorer_org")["state"] == "completed"
    leader, _token = logged_in(app, "jx_leader")
    other = flows.create(api, "jx_submitter", theme="页面确认测试乙")["id"]
    api.complete("jx_submitter", "fill_application", other, {})
    page = leader.get(f"/tasks/{api.task_for('jx_leader', 'leader_signoff', other)['id']}")
    assert page.status_code == 200 and 'id="confirm-irreversible"' not in page.get_data(as_text=True)
