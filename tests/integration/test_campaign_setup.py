"""The office sets a campaign up: copy last year's, edit with a reason, scorers that are the campaign's,
the readiness check rule by rule, opening the window (with an override). SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any, Callable

import pytest
from sqlalchemy import select

from service import clock
from service.auth.passwords import hash_password
from service.demo.baoding import DEMO_PASSWORD, SCORER_USERNAMES
from service.models import AuditRecord, Campaign, OrgUnit, ProcessDefinition, Task, User, UserRole
from tests.api_client import Api
from tests.integration import flows


def _db(app: Any) -> Any:
    return app.extensions["appraisal.sessions"]()


def _user_id(app: Any, username: str) -> int:
    with _db(app) as s:
        return s.scalar(select(User.id).where(User.username == username))


def _audit(app: Any, action: str, object_id: int) -> list[dict[str, Any]]:
    with _db(app) as s:
        return [r.detail for r in s.scalars(select(AuditRecord).where(
            AuditRecord.action == action, AuditRecord.object_id == str(object_id)).order_by(AuditRecord.id))]


def _copy(api: Api, **body: Any) -> dict[str, Any]:
    return api.post("/api/campaigns/copy", "res_office1", expect=201, json=body)


def _edit(api: Api, campaign_id: int, expect: int = 200, **body: Any) -> Any:
    r = api.call("PATCH", f"/api/campaigns/{campaign_id}", "res_office1", expect, json=body)
    return r.get_json()


def test_copying_last_years_campaign_takes_everything_and_leaves_the_window_closed(app: Any) -> None:
    api = Api(app)
    source = api.get(f"/api/campaigns/{flows.campaign_id(api)}", "res_office1")
    copy = _copy(api, reason="明年照旧")
    assert copy["year"] == source["year"] + 1 and copy["copied_from_id"] == source["id"]
    assert str(source["year"] + 1) in copy["name"]
    for key in ("criteria", "grades", "no_award_grade", "scorer_ids", "reminders", "scoring_rules", "process_key",
                "min_eligible_scorers", "applicant_unit_ids", "max_applications_per_unit"):
        assert copy[key] == source[key], key
    assert copy["process_version"] is not None  # the version the source ran, pinned
    assert copy["opens_at"][5:] == source["opens_at"][5:] and copy["closes_at"][5:] == source["closes_at"][5:]
    assert copy["opened_at"] is None  # the office checks readiness and opens it
    assert "去掉1个最高分和1个最低分" in copy["scoring_rules_text"]
    [record] = _audit(app, "copy_campaign", copy["id"])
    assert record["from"] == source["id"] and record["reason"] == "明年照旧"
    # once a year: a second copy to the same year is refused
    api.post("/api/campaigns/copy", "res_office1", expect=409, json={"source_id": source["id"],
                                                                      "year": copy["year"]})
    api.post("/api/campaigns/copy", "hc_submitter", expect=403, json={})
    # drafts may start before the window opens; submitting needs it open
    draft = api.post("/api/applications", "hc_submitter", expect=201,
                     json={"campaign_id": copy["id"], **flows.GOOD_APPLICATION})
    r = api.complete("hc_submitter", "fill_application", draft["id"], {}, expect=409)
    assert "尚未开启" in r.get_json()["detail"]


def test_edits_need_a_reason_are_audited_and_an_edit_that_changes_nothing_records_nothing(app: Any) -> None:
    api = Api(app)
    copy = _copy(api)
    body = _edit(api, copy["id"], 422, name="改名")
    assert body["errors"][0]["field"] == "reason"
    body = _edit(api, copy["id"], name="2027年度创新性工作评比（试行）", max_applications_per_unit=2, reason="领导小组决定")
    assert body["applied"] and body["campaign"]["name"] == "2027年度创新性工作评比（试行）"
    assert {e["field"] for e in body["effects"]} == {"name", "max_applications_per_unit"}
    assert all("尚未使用" in e["message"] for e in body["effects"])  # not in use yet: anything may change
    [record] = _audit(app, "edit_campaign", copy["id"])
    assert record["reason"] == "领导小组决定"
    assert record["changes"]["max_applications_per_unit"] == {"from": None, "to": 2}
    body = _edit(api, copy["id"], name="2027年度创新性工作评比（试行）", reason="再存一次")
    assert not body["applied"] and body["effects"] == []
    assert len(_audit(app, "edit_campaign", copy["id"])) == 1
    # meaning is checked on the whole result, as at creation
    body = _edit(api, copy["id"], 422, no_award_grade="特等奖", reason="试试")
    assert body["errors"][0]["field"] == "no_award_grade"
    body = _edit(api, copy["id"], 422, scoring_rules={"trim_min_count": 2, "trim_each_side": 1}, reason="试试")
    assert body["errors"][0]["field"] == "scoring_rules"
    api.call("PATCH", f"/api/campaigns/{copy['id']}", "hc_submitter", 403, json={"name": "x", "reason": "y"})


def test_once_in_use_each_edit_says_what_it_affects_and_edits_that_would_break_running_items_are_refused(
        app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    scoring = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, scoring, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, scoring)
    flows.create(api, "econ_submitter")  # a draft: its window timer waits for the close
    criteria = api.get(f"/api/campaigns/{cid}", "res_office1")["criteria"]
    changed = [{**c, "weight": c["weight"] + 1} if i == 0 else c for i, c in enumerate(criteria)]

    preview = _edit(api, cid, criteria=changed, closes_at="2027-01-10T23:59:59+08:00", dry_run=True)
    assert not preview["applied"]
    effects = {e["field"]: e for e in preview["effects"]}
    assert effects["criteria"]["refused"] and "1 份申报进入或完成评分" in effects["criteria"]["message"]
    assert effects["closes_at"]["refused"] and "正在填写或签字" in effects["closes_at"]["message"]
    r = _edit(api, cid, 409, criteria=changed, reason="调整权重")
    assert "评分前后标准不一" in r["detail"] and r["effects"]
    assert api.get(f"/api/campaigns/{cid}", "res_office1")["criteria"] == criteria  # nothing changed
    assert _audit(app, "edit_campaign", cid) == []
    scorers = api.get(f"/api/campaigns/{cid}", "res_office1")["scorer_ids"]
    body = _edit(api, cid, scorer_ids=scorers[1:], reason="一名成员调离")
    [effect] = body["effects"]
    assert not effect["refused"] and "减少 1 人" in effect["message"] and "1 份尚未评分" in effect["message"] \
        and "1 份正在评分的申报保持原评分人" in effect["message"]
    [record] = _audit(app, "edit_campaign", cid)
    assert record["changes"]["scorer_ids"] == {"added": [], "removed": [scorers[0]]}


def _add_scorer(app: Any, username: str, unit_code: str) -> int:
    with _db(app) as s:
        unit = s.scalar(select(OrgUnit.id).where(OrgUnit.code == unit_code))
        user = User(username=username, display_name="新评委", password_hash=hash_password(DEMO_PASSWORD), unit_id=unit,
                    is_active=True, created_at=clock.now())
        user.role_rows = [UserRole(role="scorer")]
        s.add(user)
        s.commit()
        return user.id


def test_scorer_edits_apply_to_every_item_not_yet_at_scoring_and_leave_items_being_scored_alone(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    early = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, early, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, early)  # at scoring with the list of then
    late = flows.create(api, "rz_submitter")["id"]
    flows.submit(api, late, "rz_submitter", "rz_leader")
    api.complete("health_vetter", "county_vetting", late, {"vetting_decision": "approve", "vetting_reasons": "材料齐全"})
    newcomer = _add_scorer(app, "scorer_new", "BD-FIN")
    removed = _user_id(app, "scorer_org")
    scorers = api.get(f"/api/campaigns/{cid}", "res_office1")["scorer_ids"]
    _edit(api, cid, scorer_ids=[i for i in scorers if i != removed] + [newcomer], reason="评审组调整")

    flows.review_to_scoring(api, late)  # scoring begins now: the campaign's list of now
    def scoring_users(app_id: int) -> set[int]:
        with _db(app) as s:
            return set(s.scalars(select(Task.candidate_user_id).where(
                Task.application_id == app_id, Task.element_id == "democratic_scoring")))
    assert removed in scoring_users(early) and newcomer not in scoring_users(early)
    assert removed not in scoring_users(late) and newcomer in scoring_users(late)
    assert [t for t in api.tasks("scorer_new", application_id=late) if t["element_id"] == "democratic_scoring"]
    assert not api.tasks("scorer_org", application_id=late)


def test_the_scoring_rules_are_the_campaigns_and_items_not_yet_at_scoring_use_the_current_ones(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    body = _edit(api, cid, scoring_rules={"trim_min_count": 5, "trim_each_side": 2, "decimals": 1,
                                          "rounding": "half_even"}, reason="按实施细则去掉两个最高、两个最低")
    assert "去掉2个最高分和2个最低分" in body["campaign"]["scoring_rules_text"]
    assert "四舍六入五成双保留1位小数" in body["campaign"]["scoring_rules_text"]
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id)
    calc = api.get(f"/api/applications/{app_id}", "res_office1")["calculation"]
    assert calc["method"] == "trimmed_mean" and len(calc["dropped"]) == 4
    assert calc["rules"]["decimals"] == 1
    assert calc["final"] == round(calc["final"], 1)


# --------------------------------------------------------------------------- readiness, rule by rule


def _deactivate(username: str) -> Callable[[Any, int], None]:
    def run(s: Any, cid: int) -> None:
        s.scalar(select(User).where(User.username == username)).is_active = False
    return run


def _set(**values: Any) -> Callable[[Any, int], None]:
    def run(s: Any, cid: int) -> None:
        campaign = s.get(Campaign, cid)
        for key, value in values.items():
            setattr(campaign, key, value)
    return run


def _missing_form(s: Any, cid: int) -> None:
    latest = s.scalar(select(ProcessDefinition).order_by(ProcessDefinition.version.desc()).where(
        ProcessDefinition.key == "innovation_appraisal"))
    meta = dict(latest.meta)
    meta["user_tasks"] = {**meta["user_tasks"], "extra_step": {"name": "补充材料", "form_key": "no_such_form"}}
    s.add(ProcessDefinition(key="innovation_appraisal", version=latest.version + 50, name=latest.name, xml=latest.xml,
                            spec_json=latest.spec_json, meta=meta, checksum="x" * 64, deployed_at=clock.now()))
    s.get(Campaign, cid).process_version = latest.version + 50


RULES: dict[str, tuple[Callable[[Any, int], None], str, str]] = {
    "no_submitter": (_deactivate("hc_submitter"), "保定鸿川汽车零部件集团有限公司工会", "/office/org/units/"),
    "no_leader": (_deactivate("hc_leader"), "保定鸿川汽车零部件集团有限公司工会", "/office/org/units/"),
    "no_vetter": (_deactivate("jx_vetter"), "竞秀区总工会", "/office/org/units/"),
    "too_few_scorers": (_set(min_eligible_scorers=9), "回避后只剩 8 名评分成员", "/setup#scorers"),
    "no_scorers": (lambda s, cid: [s.delete(r) for r in s.get(Campaign, cid).scorer_rows], "没有在职的评分成员",
                   "/setup#scorers"),
    "criteria": (_set(criteria=[{"code": "innovation", "name": "创新性", "weight": 1}]), "评分项目不完整",
                 "/setup#criteria"),
    "grades": (_set(grades=["一等奖"]), "奖励等次不完整", "/setup#grades"),
    "scoring_rules": (_set(scoring_rules={"decimals": 9}), "评分规则无效", "/setup#rules"),
    "process": (_set(process_version=999), "尚未发布", "/admin/processes"),
    "form": (_missing_form, "no_such_form", "/admin/forms"),
    "no_units": (_set(applicant_unit_ids=[]), "没有可申报的单位", "/setup#units"),
}


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_readiness_rule_names_the_problem_in_chinese_and_links_to_the_page_that_fixes_it(
        app: Any, code: str) -> None:
    api = Api(app)
    copy = _copy(api)
    path = f"/api/campaigns/{copy['id']}/readiness"
    before = api.get(path, "res_office1")
    assert before["ready"], before["problems"]
    breaks, text, link = RULES[code]
    with _db(app) as s:
        breaks(s, copy["id"])
        s.commit()
    after = api.get(path, "res_office1")
    assert not after["ready"]
    found = [p for p in after["problems"] if p["code"] == code]
    assert found and found[0]["severity"] == "fatal", after["problems"]
    assert text in found[0]["message"] and link in found[0]["link"], found[0]
    assert {p["code"] for p in after["problems"]} <= {code, "too_few_scorers"}  # (no scorers: none left after recusal)
    api.get(path, "rz_submitter", expect=403)


def test_fatal_problems_stop_the_window_from_opening_unless_the_office_overrides_with_a_reason(app: Any) -> None:
    api = Api(app)
    copy = _copy(api)
    cid = copy["id"]
    _edit(api, cid, min_eligible_scorers=9, opens_at="2026-12-20T00:00:00+08:00", reason="从严")
    r = api.post(f"/api/campaigns/{cid}/open", "res_office1", expect=409, json={})
    body = r.get_json()
    assert "严重问题" in body["detail"] and {p["code"] for p in body["problems"]} == {"too_few_scorers"}
    assert api.get(f"/api/campaigns/{cid}", "res_office1")["opened_at"] is None
    api.post(f"/api/campaigns/{cid}/open", "res_office1", expect=409, json={"override_reason": "  "})
    opened = api.post(f"/api/campaigns/{cid}/open", "res_office1", json={"override_reason": "评审组成员下周补齐"})
    assert opened["opened_at"] and not opened["ready"]
    [record] = _audit(app, "open_window", cid)
    assert record["override_reason"] == "评审组成员下周补齐" and record["overridden"][0]["code"] == "too_few_scorers"
    api.post(f"/api/campaigns/{cid}/open", "res_office1", expect=409, json={})  # already open
    # inside the window now: a unit submits to it
    app_id = api.post("/api/applications", "hc_submitter", expect=201,
                      json={"campaign_id": cid, **flows.GOOD_APPLICATION})["id"]
    api.complete("hc_submitter", "fill_application", app_id, {})


def test_a_ready_campaign_opens_without_an_override(app: Any) -> None:
    api = Api(app)
    cid = _copy(api)["id"]
    opened = api.post(f"/api/campaigns/{cid}/open", "res_office1", json={})
    assert opened["ready"] and opened["opened_at"]
    [record] = _audit(app, "open_window", cid)
    assert record["override_reason"] is None and record["overridden"] == []
    assert SCORER_USERNAMES  # the demo's scorers all carried over


def test_scorers_see_the_campaigns_scoring_rules_on_their_scoring_page_before_they_score(app: Any) -> None:
    from tests.web_client import logged_in

    api = Api(app)
    cid = flows.campaign_id(api)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    _edit(api, cid, scoring_rules={"trim_min_count": 7, "trim_each_side": 1}, reason="七份以上才去掉最高最低分")
    flows.review_to_scoring(api, app_id)
    client, _ = logged_in(app, "scorer_org")
    html = client.get("/scoring").get_data(as_text=True)
    assert "计分规则" in html and "评分满7份时，去掉1个最高分和1个最低分后取平均分" in html
    # the office's pages: the list, the set-up page with the readiness check, the dashboard's card
    office, _ = logged_in(app, "res_office1")
    assert "复制上一年度评比" in office.get("/office/campaigns").get_data(as_text=True)
    page = office.get(f"/office/campaigns/{cid}/setup").get_data(as_text=True)
    assert 'id="readiness"' in page and "评审组成员" in page and "评分满7份" in page
    assert 'id="readiness"' in office.get(f"/office/campaigns/{cid}").get_data(as_text=True)
    admin, _ = logged_in(app, "process_admin")  # manages campaigns, but who scores is not theirs to see
    page = admin.get(f"/office/campaigns/{cid}/setup").get_data(as_text=True)
    assert "评审组成员名单仅评比办公室可见" in page and "唐国强" not in page
    submitter, _ = logged_in(app, "hc_submitter")
    assert submitter.get(f"/office/campaigns/{cid}/setup").status_code == 403


# --------------------------------------------------------------------------- applicants (issue 13 item 5)


def test_a_unit_withdraws_an_application_before_shortlisting_and_it_no_longer_counts(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    _edit(api, cid, max_applications_per_unit=2, reason="每单位限报2项")
    draft = flows.create(api, "hy_submitter")["id"]
    vetting = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, vetting, "hy_submitter", "hy_leader")  # with 竞秀区's vetter
    r = api.post("/api/applications", "hy_submitter", expect=409, json={"campaign_id": cid, **flows.GOOD_APPLICATION})
    assert "上限 2 份" in r.get_json()["detail"]
    api.post(f"/api/applications/{vetting}/withdraw", "hc_submitter", expect=404, json={})  # another unit's
    api.post(f"/api/applications/{vetting}/withdraw", "jx_vetter", expect=403, json={})
    api.post(f"/api/applications/{vetting}/withdraw", "hy_leader", expect=403, json={})  # the submitter's act
    body = api.post(f"/api/applications/{vetting}/withdraw", "hy_submitter", json={"reason": "材料需重新整理"})
    assert body["status"] == "withdrawn" and body["withdrawn_at"]
    assert not [t for t in api.tasks("jx_vetter") if t["application_id"] == vetting]  # its open task is closed
    api.post(f"/api/applications/{vetting}/withdraw", "hy_submitter", expect=409, json={})
    api.post(f"/api/applications/{draft}/withdraw", "hy_submitter", json={})
    # withdrawn ones do not count against the limit
    flows.create(api, "hy_submitter")
    flows.create(api, "hy_submitter")
    api.post("/api/applications", "hy_submitter", expect=409, json={"campaign_id": cid, **flows.GOOD_APPLICATION})
    [record] = _audit(app, "withdraw", vetting)
    assert record["reason"] == "材料需重新整理"
    # after shortlisting it can no longer be withdrawn
    shortlisted = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, shortlisted, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, shortlisted)
    r = api.post(f"/api/applications/{shortlisted}/withdraw", "hc_submitter", expect=409, json={})
    assert "不能撤回" in r.get_json()["detail"]
    from service.workflows.doctor import check  # task and timer rows agree with the cancelled workflows
    with _db(app) as s:
        assert not check(session=s, services=app.extensions["appraisal.services"]), "doctor finds nothing"


def test_rejected_applications_do_not_count_against_the_limit(app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    _edit(api, cid, max_applications_per_unit=1, reason="每单位限报1项")
    first = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, first, "hy_submitter", "hy_leader")
    api.post("/api/applications", "hy_submitter", expect=409, json={"campaign_id": cid, **flows.GOOD_APPLICATION})
    api.complete("jx_vetter", "county_vetting", first, {"vetting_decision": "reject", "vetting_reasons": "不符合条件"})
    assert api.get(f"/api/applications/{first}", "hy_submitter")["status"] == "rejected"
    flows.create(api, "hy_submitter")


def test_the_applicant_is_a_collective_or_an_individual_with_a_contact_and_the_leader_signs_from_the_account(
        app: Any) -> None:
    api = Api(app)
    cid = flows.campaign_id(api)
    fields = {k: v for k, v in flows.GOOD_APPLICATION.items()
              if k not in ("applicant_type", "applicant_name", "contact_person", "contact_phone")}
    app_id = api.post("/api/applications", "hc_submitter", expect=201, json={"campaign_id": cid, **fields})["id"]
    draft = api.get(f"/api/applications/{app_id}", "hc_submitter")
    assert {m["field"] for m in draft["missing"]} == {"applicant_type", "applicant_name", "contact_person",
                                                      "contact_phone"}
    r = api.complete("hc_submitter", "fill_application", app_id, {}, expect=422)
    assert "集体或个人" in str(r.get_json()["errors"])
    api.call("PATCH", f"/api/applications/{app_id}", "hc_submitter", 422, json={"applicant_type": "team"})
    api.call("PATCH", f"/api/applications/{app_id}", "hc_submitter", 200, json={
        "applicant_type": "individual", "applicant_name": "陈思远", "contact_person": "陈思远",
        "contact_phone": "13800000000"})
    api.complete("hc_submitter", "fill_application", app_id, {})
    # the leader signs: no name typed (one typed by an old client is ignored), the account is recorded
    api.complete("hc_leader", "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "别人"})
    body = api.get(f"/api/applications/{app_id}", "hc_submitter")
    assert body["applicant_type"] == "individual" and body["contact_phone"] == "13800000000"
    assert body["signed_by"] == _user_id(app, "hc_leader")
    with _db(app) as s:
        data = s.scalar(select(Task.data).where(Task.application_id == app_id, Task.element_id == "leader_signoff"))
    assert data["leader_name"] == "黄国栋" and data["signed_by"] == _user_id(app, "hc_leader")


def test_the_submitter_withdraws_from_the_application_page(app: Any) -> None:
    from tests.web_client import logged_in

    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    leader, _ = logged_in(app, "hc_leader")
    assert 'id="withdraw-form"' not in leader.get(f"/applications/{app_id}").get_data(as_text=True)
    client, token = logged_in(app, "hc_submitter")
    assert 'id="withdraw-form"' in client.get(f"/applications/{app_id}").get_data(as_text=True)
    r = client.post(f"/applications/{app_id}/withdraw", data={"csrf_token": token, "reason": "重复申报"},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "已撤回" in page and 'id="withdraw-form"' not in page
