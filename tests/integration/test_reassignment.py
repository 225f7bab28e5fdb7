"""Reassigning and delegating open tasks: eligibility enforced, both people told, audited (SQLite and PostgreSQL)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.models import AuditRecord, OutboxMessage, User
from tests.api_client import Api
from tests.integration import flows

PRESENTATION = {"presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟"}


def _ids(app: Any) -> dict[str, int]:
    with app.extensions["appraisal.sessions"]() as s:
        return {u.username: u.id for u in s.scalars(select(User))}


def _told(app: Any, template: str) -> list[tuple[int, str]]:
    with app.extensions["appraisal.sessions"]() as s:
        return [(m.recipient_user_id, m.context.get("kind")) for m in s.scalars(
            select(OutboxMessage).where(OutboxMessage.template == template, OutboxMessage.channel == "inapp")
            .order_by(OutboxMessage.id))]


def _audited(app: Any, action: str) -> list[AuditRecord]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def _fields(r: Any) -> list[str]:
    return [e["field"] for e in r.get_json()["errors"]]


def test_the_office_reassigns_a_claimed_review_and_both_people_are_told(app: Any) -> None:
    api, ids = Api(app), _ids(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.complete("group_leader", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "好"})
    task = api.task_for("res_office1", "record_presentation", app_id)  # the office's pool (two people)
    api.post(f"/api/tasks/{task['id']}/claim", "res_office1")
    path = f"/api/tasks/{task['id']}/reassign"

    # who may, and to whom
    for user in ("group_leader", "lg_member1", "process_admin", "chair_office"):
        api.post(path, user, expect=403, json={"user_id": ids["res_office2"], "reason": "出差"})
    r = api.post(path, "res_office1", expect=422, json={"user_id": ids["res_office2"], "reason": "  "})
    assert _fields(r) == ["reason"]
    r = api.post(path, "res_office1", expect=422, json={"user_id": ids["res_office2"]})
    assert _fields(r) == ["reason"]
    r = api.post(path, "res_office1", expect=422, json={"user_id": ids["scorer_org"], "reason": "出差"})
    assert _fields(r) == ["user_id"] and "评比办公室" in r.get_json()["errors"][0]["message"]
    r = api.post(path, "res_office1", expect=422, json={"user_id": 999999, "reason": "出差"})
    assert _fields(r) == ["user_id"]
    assert _told(app, "task_reassigned") == [] and _audited(app, "reassign") == []

    moved = api.post(path, "res_office1", json={"user_id": ids["res_office2"], "reason": "原承办人出差"})
    assert moved["assignee_id"] == ids["res_office2"]
    assert _told(app, "task_reassigned") == [(ids["res_office2"], "reassign")]
    assert _told(app, "task_handed_over") == [(ids["res_office1"], "reassign")]
    [record] = _audited(app, "reassign")
    assert record.detail == {"from": ids["res_office1"], "to": ids["res_office2"], "reason": "原承办人出差",
                             "element": "record_presentation"}
    assert record.actor_roles == ["office"] and record.campaign_id == flows.campaign_id(api)
    api.post(path, "res_office1", json={"user_id": ids["res_office2"], "reason": "原承办人出差"})  # already theirs
    assert len(_audited(app, "reassign")) == 1 and len(_told(app, "task_reassigned")) == 1

    body = PRESENTATION
    api.post(f"/api/tasks/{task['id']}/complete", "res_office1", expect=403, json=body)
    api.post(f"/api/tasks/{task['id']}/complete", "res_office2", json=body)
    api.post(path, "res_office1", expect=409, json={"user_id": ids["res_office1"], "reason": "再改"})


def test_a_scorers_sheet_goes_only_to_an_eligible_scorer_of_the_campaign(app: Any) -> None:
    api, ids = Api(app), _ids(app)
    campaign = flows.campaign_id(api)
    everyone = api.get(f"/api/campaigns/{campaign}", "res_office1")["scorer_ids"]
    without = [i for i in everyone if i != ids["scorer_trans"]]
    api.call("PUT", f"/api/campaigns/{campaign}/scorers", "res_office1", 200, json={"scorer_ids": without})
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.complete("lg_member1", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "好"})
    api.complete("res_office1", "record_presentation", app_id, PRESENTATION)
    sheet = api.task_for("scorer_org", "democratic_scoring", app_id)
    path = f"/api/tasks/{sheet['id']}/reassign"

    def refused(username: str, words: str) -> None:
        r = api.post(path, "res_office1", expect=422, json={"user_id": ids[username], "reason": "调整"})
        assert _fields(r) == ["user_id"] and words in " ".join(e["message"] for e in r.get_json()["errors"]), r.get_json()

    refused("scorer_hc", "回避")  # 鸿川's own scorer steps aside for 鸿川's item
    refused("scorer_jx", "同一环节")  # already has a sheet for this item
    refused("scorer_trans", "不是本次评比的评分成员")
    refused("lg_member1", "评审组成员")
    api.call("PUT", f"/api/campaigns/{campaign}/scorers", "res_office1", 200, json={"scorer_ids": everyone})
    moved = api.post(path, "res_office1", json={"user_id": ids["scorer_trans"], "reason": "原评分成员长期出差"})
    assert moved["candidate_user_id"] == ids["scorer_trans"]
    assert not [t for t in api.tasks("scorer_org", application_id=app_id)]
    api.get(f"/api/tasks/{sheet['id']}", "scorer_org", expect=404)  # no longer theirs to see
    assert _told(app, "task_handed_over") == [(ids["scorer_org"], "reassign")]
    assert _told(app, "task_reassigned") == [(ids["scorer_trans"], "reassign")]
    scored = flows.score_all(api, app_id)
    assert "scorer_trans" in scored and "scorer_org" not in scored and len(scored) == 7


def test_an_assignee_delegates_to_a_colleague_of_the_same_role_and_unit(app: Any) -> None:
    api, ids = Api(app), _ids(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.complete("group_leader", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "好"})
    task = api.task_for("res_office1", "record_presentation", app_id)
    path = f"/api/tasks/{task['id']}/delegate"
    api.post(path, "res_office1", expect=403, json={"user_id": ids["res_office2"]})  # claim it first
    api.post(f"/api/tasks/{task['id']}/claim", "res_office1")
    api.post(path, "res_office2", expect=403, json={"user_id": ids["res_office2"]})  # not theirs
    api.post(path, "hc_submitter", expect=404, json={"user_id": ids["res_office2"]})  # cannot even see it
    r = api.post(path, "res_office1", expect=422, json={"user_id": ids["group_leader"]})
    assert _fields(r)[0] == "user_id"
    r = api.post(path, "res_office1", expect=422, json={"user_id": "res_office2"})
    assert _fields(r) == ["user_id"]

    done = api.post(path, "res_office1", json={"user_id": ids["res_office2"], "reason": "本周出差"})
    assert done["assignee_id"] == ids["res_office2"]
    assert _told(app, "task_reassigned") == [(ids["res_office2"], "delegate")]
    assert _told(app, "task_handed_over") == [(ids["res_office1"], "delegate")]
    [record] = _audited(app, "delegate")
    assert record.detail["from"] == ids["res_office1"] and record.detail["to"] == ids["res_office2"]
    assert record.actor_roles == ["office"]
    api.post(path, "res_office1", expect=403, json={"user_id": ids["res_office1"]})  # no longer theirs

    # a scorer's colleague must share the unit too
    api.complete("res_office2", "record_presentation", app_id, PRESENTATION)
    sheet = api.task_for("scorer_org", "democratic_scoring", app_id)
    r = api.post(f"/api/tasks/{sheet['id']}/delegate", "scorer_org", expect=422,
                 json={"user_id": ids["scorer_rights"]})
    assert _fields(r) == ["user_id"] and "同一单位" in r.get_json()["errors"][0]["message"]


def test_the_task_page_offers_delegation_to_its_holder_and_reassignment_to_the_office(app: Any) -> None:
    """The pages' forms (CSRF, the same use cases): only colleagues offered for a delegation, the reason
    required for a reassignment (said on the page, nothing changed), and the dashboard links to the task."""
    from tests.web_client import logged_in

    api, ids = Api(app), _ids(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.shortlist(api, app_id)
    task = api.task_for("res_office1", "record_presentation", app_id)
    api.post(f"/api/tasks/{task['id']}/claim", "res_office1")
    office, token = logged_in(app, "res_office1")
    page = office.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'id="delegate"' in page and 'id="reassign"' in page
    delegate_form = page[page.index('id="delegate"'):page.index('id="reassign"')]
    assert f'value="{ids["res_office2"]}"' in delegate_form and f'value="{ids["scorer_org"]}"' not in delegate_form

    r = office.post(f"/tasks/{task['id']}/reassign", data={"csrf_token": token, "user_id": ids["res_office2"],
                                                           "reason": " "}, follow_redirects=True)
    assert "请说明改派原因" in r.get_data(as_text=True) and _audited(app, "reassign") == []
    r = office.post(f"/tasks/{task['id']}/delegate", data={"csrf_token": token, "user_id": ids["res_office2"],
                                                           "reason": "出差"}, follow_redirects=True)
    assert "双方都已收到通知" in r.get_data(as_text=True)
    assert api.get(f"/api/tasks/{task['id']}", "res_office1")["assignee_id"] == ids["res_office2"]
    [record] = _audited(app, "delegate")
    assert record.detail["to"] == ids["res_office2"] and record.detail["reason"] == "出差"
    r = office.post(f"/tasks/{task['id']}/reassign", data={"csrf_token": token, "user_id": ids["res_office1"],
                                                           "reason": "收回"}, follow_redirects=True)
    assert "双方都已收到通知" in r.get_data(as_text=True)
    assert api.get(f"/api/tasks/{task['id']}", "res_office1")["assignee_id"] == ids["res_office1"]
    submitter, token = logged_in(app, "hc_submitter")
    assert submitter.post(f"/tasks/{task['id']}/reassign", data={"csrf_token": token, "user_id": ids["res_office2"],
                                                                 "reason": "越权"}).status_code in (403, 404)
