"""Who may do what: every endpoint × every role × own/other unit, plus identity and audit guarantees."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from service import clock
from service.config import Settings
from service.models import AuditRecord, User
from tests.api_client import Api
from tests.integration import flows

# One user per role; "own" is 鸿川集团 (a direct unit), "other" is 恒远 (an enterprise under 竞秀区).
# 竞秀区总工会 runs its own campaign under its implementing rules (实施细则): jx_office is its office (the office
# role held in 竞秀区), its units are 竞秀区 and 恒远 below it; the federation and every other unit are outside.
USERS = ["hc_submitter", "hc_leader", "hy_submitter", "hy_leader", "jx_vetter", "health_vetter", "lg_member1",
         "group_leader", "res_office1", "scorer_org", "chair_office", "process_admin", "jx_office"]
LOCAL_SCORERS = ["scorer_jx", "scorer_lc"]
FEDERATION = {"lg_member1", "group_leader", "res_office1", "chair_office", "process_admin"}
DECIDING = FEDERATION - {"process_admin"}  # the office, the leading group, its leader, the chair's office
SUPERVISORS = {"res_office1": 200, "group_leader": 200, "process_admin": 200}  # see every task, do none of others


@dataclass
class Rule:
    method: str
    path: str
    allowed: dict[str, int]          # user -> expected status
    default: int                     # everyone else
    body: Any = None
    xml: bool = False
    mutating: bool = field(default=False)
    public: bool = False             # answers without a token too (``default``)
    content_type: str | None = None  # a body sent as it is (e.g. a workbook), with this type



def add_union_office(app: Any) -> None:
    """jx_office: the office role held in 竞秀区总工会 (a county union), with the demo password."""
    from service.auth.passwords import hash_password
    from service.demo.baoding import DEMO_PASSWORD
    from service.models import OrgUnit, UserRole

    with app.extensions["appraisal.sessions"]() as s:
        jx = s.scalar(select(OrgUnit).where(OrgUnit.code == "BD-JX"))
        person = User(username="jx_office", display_name="竞秀区办公室", password_hash=hash_password(DEMO_PASSWORD),
                      unit_id=jx.id, email="jx_office@example.org", locale="zh-CN", is_active=True,
                      created_at=clock.now())
        person.role_rows = [UserRole(role="office", unit_id=jx.id)]
        s.add(person)
        s.commit()


def local_campaign(api: Api) -> dict[str, Any]:
    """竞秀区's own campaign (created and opened by its office) and an application of 恒远 in it, at vetting."""
    scorers = [u["id"] for name in LOCAL_SCORERS for u in api.get(f"/api/users?q={name}", "res_office1")["items"]]
    campaign = api.post("/api/campaigns", "jx_office", expect=201, json={
        "year": 2026, "name": "竞秀区2026年度创新性工作评比", "grades": ["一等奖", "二等奖", "不授奖"],
        "no_award_grade": "不授奖", "scorer_ids": scorers,
        "criteria": [{"code": "innovation", "name": "创新性", "weight": 1, "max": 100}]})
    api.post(f"/api/campaigns/{campaign['id']}/open", "jx_office", expect=200,
             json={"override_reason": "权限测试：竞秀区自行组织"})
    application = flows.create(api, "hy_submitter", campaign_id=campaign["id"], theme="竞秀区细则申报")
    flows.submit(api, application["id"], "hy_submitter", "hy_leader")
    return {"jx_campaign": campaign["id"], "jx_app": application["id"],
            "jx_vetting": api.task_for("jx_vetter", "county_vetting", application["id"])["id"]}


def world(api: Api) -> dict[str, Any]:
    """Applications of two units at different stages, a union's own campaign, and the ids the rules refer to."""
    add_union_office(api.client.application)
    hc = flows.create(api, "hc_submitter")
    flows.submit(api, hc["id"], "hc_submitter", "hc_leader")  # now with the leading group
    hy = flows.create(api, "hy_submitter")
    flows.submit(api, hy["id"], "hy_submitter", "hy_leader")  # now with 竞秀区's vetter
    hc_draft = flows.create(api, "hc_submitter", theme="草稿")
    campaign = flows.campaign_id(api)  # the office lists 鸿川's item: the shortlist meeting sits, with its leader
    api.post(f"/api/campaigns/{campaign}/shortlist/candidates", "res_office1", json={"candidate_ids": [hc["id"]]})
    return {
        "hc": hc["id"], "hy": hy["id"], "hc_draft": hc_draft["id"],
        "hc_inst": api.get(f"/api/applications/{hc['id']}", "res_office1")["process_instance_id"],
        "hy_inst": api.get(f"/api/applications/{hy['id']}", "res_office1")["process_instance_id"],
        "review": next(t["id"] for t in api.tasks("group_leader") if t["element_id"] == "shortlist_meeting"),
        "vetting": api.task_for("jx_vetter", "county_vetting", hy["id"])["id"],
        "fill": api.task_for("hc_submitter", "fill_application", hc_draft["id"])["id"],
        "campaign": flows.campaign_id(api),
        "definition": api.get("/api/process-definitions", "process_admin")["items"][0]["id"],
        "hy_unit": api.get(f"/api/applications/{hy['id']}", "res_office1")["unit_id"],
        "hy_union": api.get(f"/api/applications/{hy['id']}", "res_office1")["supervising_union_id"],
        "scorers": api.get(f"/api/campaigns/{flows.campaign_id(api)}", "res_office1")["scorer_ids"],
        "person": api.get("/api/users?q=lg_member2", "res_office1")["items"][0]["id"],
        "hy_person": api.get("/api/users?q=hy_leader", "res_office1")["items"][0]["id"],
        "hc_unit": api.get(f"/api/applications/{hc['id']}", "res_office1")["unit_id"],
        "workbook": api.call("GET", "/api/org-workbook", "res_office1", 200).data,
        **local_campaign(api),
    }


def rules(w: dict[str, Any]) -> list[Rule]:
    fed = {u: 200 for u in FEDERATION}
    hc_readers = {**fed, "hc_submitter": 200, "hc_leader": 200}
    hy_readers = {**fed, "hy_submitter": 200, "hy_leader": 200, "jx_vetter": 200}
    everyone = {u: 200 for u in USERS}
    # 竞秀区's own campaign: the federation's people and 竞秀区's (its office, its units' people)
    jx_members = {"hy_submitter": 200, "hy_leader": 200, "jx_vetter": 200}
    jx_readers = {**fed, "jx_office": 200, **jx_members}
    outside = {u: 404 for u in USERS if u not in jx_readers}  # other units: the campaign is not there for them
    jx_offices = {"res_office1": 200, "process_admin": 200, "jx_office": 200}
    bundled = (Path(__file__).resolve().parents[2] / "processes" / "draft_consultation.bpmn").read_bytes()
    return [
        Rule("GET", "/api/me", everyone, 200),
        # everyone changes their own password only (a wrong current password here: 422, nothing changes)
        Rule("POST", "/api/me/password", {u: 422 for u in USERS}, 422,
             body={"current_password": "not-the-password-1", "new_password": "a-new-password-2027"}),
        Rule("GET", "/api/campaigns", everyone, 200),
        # the federation's campaign is not there for a union's office (nor its results, set-up, documents)
        Rule("GET", f"/api/campaigns/{w['campaign']}", {**everyone, "jx_office": 404}, 200),
        Rule("GET", "/api/org-units", everyone, 200),
        Rule("GET", "/api/process-definitions", everyone, 200),
        Rule("GET", f"/api/process-definitions/{w['definition']}", everyone, 200),
        Rule("GET", f"/api/process-definitions/{w['definition']}/xml", everyone, 200),
        Rule("GET", f"/api/process-definitions/{w['definition']}/changes", everyone, 200),
        Rule("GET", "/api/tasks", everyone, 200),
        Rule("GET", "/api/applications", everyone, 200),
        Rule("GET", f"/api/campaigns/{w['campaign']}/results", {**fed, "jx_office": 404}, 403),
        Rule("GET", "/api/process-instances", fed, 403),
        # the award documents: the office and the deciding roles (nothing is awarded yet here: 409)
        Rule("GET", f"/api/campaigns/{w['campaign']}/commendation-list.pdf", {u: 200 for u in DECIDING} | {
            "jx_office": 404}, 403),
        Rule("GET", f"/api/campaigns/{w['campaign']}/certificates.pdf", {u: 409 for u in DECIDING} | {
            "jx_office": 404}, 403),
        Rule("GET", f"/api/applications/{w['hc']}/certificate.pdf", {u: 409 for u in DECIDING} | {
            "jx_office": 404}, 403),
        # own unit / supervising union / federation see an application; any other unit gets 404
        Rule("GET", f"/api/applications/{w['hc']}", hc_readers, 404),
        Rule("GET", f"/api/applications/{w['hy']}", hy_readers, 404),
        Rule("GET", f"/api/process-instances/{w['hc_inst']}", hc_readers, 404),
        Rule("GET", f"/api/process-instances/{w['hy_inst']}/history", hy_readers, 404),
        # tasks: the candidates, plus those who oversee them (office and group leader: 督办; the administrator)
        Rule("GET", f"/api/tasks/{w['review']}", SUPERVISORS, 404),
        Rule("GET", f"/api/tasks/{w['vetting']}/form", {"jx_vetter": 200, **SUPERVISORS}, 404),
        Rule("POST", f"/api/tasks/{w['review']}/claim", {**{u: 403 for u in SUPERVISORS}, "group_leader": 200}, 404,
             mutating=True),
        Rule("PUT", f"/api/applications/{w['hc_draft']}", {"hc_submitter": 200, "hc_leader": 403, **{u: 403 for u in FEDERATION}},
             404, body={"theme": "改过的题目"}, mutating=True),
        Rule("PATCH", f"/api/applications/{w['hc_draft']}", {"hc_submitter": 200, "hc_leader": 403,
                                                              **{u: 403 for u in FEDERATION}},
             404, body={"effects": "改过的成效"}, mutating=True),
        Rule("POST", f"/api/tasks/{w['vetting']}/complete", {"jx_vetter": 200, **{u: 403 for u in SUPERVISORS}}, 404,
             body={"vetting_decision": "approve"}, mutating=True),
        Rule("POST", f"/api/tasks/{w['fill']}/complete", {"hc_submitter": 200, **{u: 403 for u in SUPERVISORS}}, 404,
             body={}, mutating=True),
        # writes
        Rule("POST", "/api/applications", {"hc_submitter": 201, "hy_submitter": 201}, 403,
             body={"campaign_id": w["campaign"], "theme": "权限测试"}, mutating=True),
        # a union's office creates its own union's campaign
        Rule("POST", "/api/campaigns", {"res_office1": 201, "process_admin": 201, "jx_office": 201}, 403,
             body="campaign", mutating=True),
        # campaign set-up: the office (and the process administrator) only, within its reach
        Rule("GET", f"/api/campaigns/{w['campaign']}/readiness", {"res_office1": 200, "process_admin": 200,
                                                                  "jx_office": 404}, 403),
        Rule("PATCH", f"/api/campaigns/{w['campaign']}", {"res_office1": 200, "process_admin": 200, "jx_office": 404},
             403, body={"reminders": {"send_hour": 10}, "reason": "权限测试", "dry_run": True}, mutating=True),
        Rule("POST", f"/api/applications/{w['hy']}/withdraw", {"hy_submitter": 200, "hy_leader": 403,
                                                                "jx_vetter": 403, **{u: 403 for u in FEDERATION}},
             404, mutating=True, body={"reason": "权限测试"}),
        Rule("POST", "/api/campaigns/copy", {"res_office1": 201, "process_admin": 201, "jx_office": 201}, 403,
             body="copy", mutating=True),  # each copies its own newest campaign
        Rule("POST", f"/api/campaigns/{w['campaign']}/open", {"res_office1": 409, "process_admin": 409,
                                                              "jx_office": 404}, 403,
             mutating=True),  # the demo's window is open already
        Rule("POST", "/api/process-definitions?comment=matrix", {"process_admin": 201}, 403, body=bundled, xml=True, mutating=True),
        Rule("POST", "/api/process-definitions/validate", {"process_admin": 200}, 403, body=bundled, xml=True),
        Rule("GET", "/api/durations?text=10%20%E4%B8%AA%E5%B7%A5%E4%BD%9C%E6%97%A5", {"process_admin": 200}, 403),
        Rule("POST", f"/api/tasks/{w['review']}/unclaim", {"group_leader": 200, "res_office1": 200, "process_admin": 403},
             404, mutating=True),  # after the claim above: its assignee, then the office (the administrator only sees it)
        Rule("POST", "/api/process-definitions/key/draft_consultation/start", {"res_office1": 201, "process_admin": 201},
             403, body={"business_key": "matrix", "variables": {
                 "unit_id": w["hy_unit"], "supervising_union_id": w["hy_union"], "unit_name": "恒远",
                 "deadline": (clock.local(clock.now()) + timedelta(days=3)).isoformat()}}, mutating=True),
        Rule("GET", "/api/notifications", {"res_office1": 200, "process_admin": 200}, 403),
        Rule("GET", "/api/notifications/summary", {"res_office1": 200, "process_admin": 200}, 403),
        # only the office reassigns (here to no one who exists: 422); only the holder delegates (released above:
        # nobody holds the review, so its candidate must claim it first), and those who cannot see it get 404
        Rule("POST", f"/api/tasks/{w['review']}/reassign", {"res_office1": 422, "jx_office": 404}, 403,
             body={"user_id": 999999, "reason": "权限测试"}, mutating=True),
        Rule("POST", f"/api/tasks/{w['review']}/delegate", {u: 403 for u in SUPERVISORS}, 404,
             body={"user_id": 999999}, mutating=True),
        Rule("GET", "/api/incidents", {"res_office1": 200, "process_admin": 200}, 403),
        # the role check comes first: those who may retry learn that no such incident exists
        Rule("POST", "/api/incidents/999999/retry", {"res_office1": 404, "process_admin": 404}, 403, mutating=True),
        # migration and modification: the federation's office and the process administrator; the role check comes
        # first, then the versions (none such: 422) or the instance (none such: 404)
        Rule("POST", "/api/migration/generate", {"res_office1": 422, "process_admin": 422}, 403,
             body={"source_definition_id": 999999, "target_definition_id": 999998}),
        Rule("POST", "/api/migration/validate", {"res_office1": 422, "process_admin": 422}, 403,
             body={"plan": {"source_definition_id": 999999, "target_definition_id": 999998}}),
        Rule("POST", "/api/migration/execute", {"res_office1": 422, "process_admin": 422}, 403, mutating=True,
             body={"plan": {"source_definition_id": 999999, "target_definition_id": 999998}, "reason": "权限测试"}),
        Rule("POST", "/api/process-instances/999999/modification", {"res_office1": 404, "process_admin": 404}, 403,
             mutating=True, body={"instructions": [{"type": "cancel", "element_id": "fill_application"},
                                                   {"type": "start_before", "element_id": "fill_application"}],
                                  "reason": "权限测试"}),
        # the ranked list: federation roles; the office proposes the list, the group leader decides it (nothing
        # waits for either step here: 422, nothing changes)
        Rule("GET", f"/api/campaigns/{w['campaign']}/ranking", fed, 403),
        Rule("POST", f"/api/campaigns/{w['campaign']}/grade-proposals", {"res_office1": 422, "jx_office": 404}, 403,
             mutating=True,
             body={"items": [{"application_id": w["hc"], "grade": "一等奖"}]}),
        Rule("POST", f"/api/campaigns/{w['campaign']}/grade-decisions", {"group_leader": 422}, 403, mutating=True,
             body={"items": [{"application_id": w["hc"], "grade": "一等奖"}]}),
        # the meetings (issue 14): their lists for the office and the deciding roles; each decision its role's.
        # Here the shortlist sits without views (closing: no quorum, 409), nothing waits for the group decision
        # (422) or the chair (409), and 恒远's item is still being vetted (forwarding it: 422).
        Rule("GET", f"/api/campaigns/{w['campaign']}/shortlist", {**{u: 200 for u in DECIDING}, "jx_office": 404}, 403),
        Rule("POST", f"/api/campaigns/{w['campaign']}/shortlist/candidates", {"res_office1": 409, "jx_office": 404}, 403,
             mutating=True,
             body={"candidate_ids": [w["hc"]]}),
        Rule("POST", f"/api/campaigns/{w['campaign']}/shortlist/close", {"group_leader": 409}, 403, mutating=True,
             body={"decisions": [{"application_id": w["hc"], "shortlisted": True, "review_reasons": "权限测试"}]}),
        Rule("POST", f"/api/campaigns/{w['campaign']}/shortlist/views", {"lg_member1": 200}, 403, mutating=True,
             body={"views": [{"application_id": w["hc"], "view": "in", "note": "权限测试"}]}),
        Rule("GET", f"/api/campaigns/{w['campaign']}/group-decision", {**{u: 200 for u in DECIDING}, "jx_office": 404},
             403),
        Rule("POST", f"/api/campaigns/{w['campaign']}/group-decision/complete", {"group_leader": 422}, 403,
             mutating=True, body={"decisions": [{"application_id": w["hc"], "final_grade": "一等奖"}]}),
        Rule("GET", f"/api/campaigns/{w['campaign']}/chair-confirmation", {**{u: 200 for u in DECIDING},
                                                                           "jx_office": 404}, 403),
        Rule("POST", f"/api/campaigns/{w['campaign']}/chair-confirmation/complete", {"chair_office": 409}, 403,
             mutating=True, body={}),
        Rule("GET", f"/api/campaigns/{w['campaign']}/forwarding",
             {"jx_vetter": 200, "health_vetter": 200, **{u: 200 for u in DECIDING}, "jx_office": 404}, 403),
        Rule("POST", f"/api/campaigns/{w['campaign']}/forwarding/forward", {"jx_vetter": 422, "health_vetter": 422},
             403, mutating=True, body={"application_ids": [w["hy"]], "opinion": "权限测试"}),
        # the scoring step: who holds which sheet only for the office and the deciding roles; a scorer's confirmed
        # sheet (the review is no sheet: 409 to those who see it); the office's paper sheet, close and replacement
        Rule("GET", f"/api/applications/{w['hc']}/scoring", {u: 200 for u in DECIDING}, 403),
        Rule("POST", f"/api/tasks/{w['review']}/score-sheet", {u: 409 for u in SUPERVISORS},
             404, body={"criteria": {}, "confirm": True}, mutating=True),
        Rule("POST", f"/api/tasks/{w['review']}/paper-sheet", {"res_office1": 409, "jx_office": 404}, 403,
             body={"criteria": {}, "confirm": True}, mutating=True),
        Rule("POST", f"/api/applications/{w['hc']}/scoring/close", {"res_office1": 409, "jx_office": 404}, 403,
             body={"reason": "权限测试"}, mutating=True),
        Rule("POST", f"/api/applications/{w['hc']}/scoring/replace", {"res_office1": 422, "jx_office": 404}, 403,
             body={"scorer_id": 1, "replacement_id": 2, "reason": "权限测试"}, mutating=True),
        # presentation sessions: the office (the hc item is not waiting to present: 422; no such session: 404)
        Rule("GET", f"/api/campaigns/{w['campaign']}/presentation-sessions", {"res_office1": 200, "jx_office": 404},
             403),
        Rule("POST", "/api/presentation-sessions", {"res_office1": 422, "jx_office": 404}, 403, mutating=True,
             body={"campaign_id": w["campaign"], "starts_at": "2027-01-08T09:00", "place": "会议室",
                   "items": [{"application_id": w["hc"]}]}),
        Rule("GET", "/api/presentation-sessions/999999", {"res_office1": 404, "jx_office": 404}, 403),
        Rule("POST", "/api/presentation-sessions/999999/record", {"res_office1": 404, "jx_office": 404}, 403,
             mutating=True,
             body={"items": [{"application_id": w["hc"], "attended": False}]}),
        Rule("PUT", f"/api/campaigns/{w['campaign']}/scorers", {"res_office1": 200, "process_admin": 200,
                                                                "jx_office": 404}, 403,
             body={"scorer_ids": w["scorers"]}, mutating=True),
        # the organisation: units readable by everyone; units, people and the workbook managed by the office
        Rule("GET", f"/api/org-units/{w['hy_union']}", everyone, 200),
        Rule("PATCH", f"/api/org-units/{w['hy_union']}", {"res_office1": 200, "jx_office": 200}, 403,
             body={"name_en": "Matrix"}, mutating=True),  # 竞秀区's office manages 竞秀区 and the units below it
        Rule("PATCH", f"/api/org-units/{w['hc_unit']}", {"res_office1": 200, "jx_office": 404}, 403,
             body={"name_en": "Matrix"}, mutating=True),
        # 竞秀区's office creates units below 竞秀区 only (each call a new code)
        Rule("POST", "/api/org-units", {"res_office1": 201, "jx_office": 201}, 403, mutating=True,
             body=lambda n: {"code": f"MATRIX-{n}", "name": "权限测试单位", "type": "enterprise",
                             "parent_id": w["hy_union"]}),
        Rule("POST", "/api/org-units", {"res_office1": 201, "jx_office": 422}, 403, mutating=True,
             body=lambda n: {"code": f"MATRIX-{n}", "name": "权限测试单位", "type": "enterprise",
                             "parent_id": w["hc_unit"]}),
        Rule("GET", "/api/users", {"res_office1": 200, "jx_office": 200}, 403),  # 竞秀区's people only for jx_office
        Rule("GET", f"/api/users/{w['person']}", {"res_office1": 200, "jx_office": 404}, 403),
        Rule("GET", f"/api/users/{w['hy_person']}", {"res_office1": 200, "jx_office": 200}, 403),
        Rule("PATCH", f"/api/users/{w['person']}", {"res_office1": 200, "jx_office": 404}, 403,
             body={"display_name": "权限测试"}, mutating=True),
        Rule("POST", "/api/users", {"res_office1": 201, "jx_office": 201}, 403, mutating=True, body=lambda n: {
            "username": f"matrix_user{n}", "display_name": "权限测试", "unit_id": w["hy_union"], "roles": ["vetter"],
            "email": "matrix@example.com"}),
        Rule("POST", "/api/users", {"res_office1": 201, "jx_office": 422}, 403, mutating=True, body=lambda n: {
            "username": f"matrix_user{n}", "display_name": "权限测试", "unit_id": w["hc_unit"], "roles": ["vetter"],
            "email": "matrix@example.com"}),
        Rule("POST", f"/api/users/{w['person']}/password-reset", {"res_office1": 202, "jx_office": 404}, 403,
             mutating=True),
        Rule("GET", "/api/org-workbook", {"res_office1": 200}, 403),
        Rule("GET", "/api/org-workbook/template", {"res_office1": 200}, 403),
        Rule("POST", "/api/org-workbook", {"res_office1": 200}, 403, body=w["workbook"],
             content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Rule("POST", "/api/me/password", {}, 422, body={"current_password": "not-it", "new_password": "long-enough-1"}),
        Rule("POST", "/api/auth/password-link", {}, 404, public=True,
             body={"token": "not-a-link", "password": "long-enough-1"}),
        Rule("GET", "/api/forms", everyone, 200),
        Rule("GET", "/api/forms/application", everyone, 200),
        Rule("PUT", "/api/forms/matrix_form", {"process_admin": 201}, 403, mutating=True, body={"schema": {
            "type": "object", "title": "权限测试", "properties": {"note": {"type": "string", "title": "备注"}}}}),
        # the visual form editor: the process administrator only
        Rule("GET", "/api/forms/presentation/formjs", {"process_admin": 200}, 403),
        Rule("PUT", "/api/forms/matrix_formjs/formjs", {"process_admin": 201}, 403, mutating=True, body={"formjs": {
            "type": "default", "components": [{"type": "textfield", "key": "note", "label": "备注"}]}}),
        # the public notice (公示): the office publishes (nothing is confirmed here: 409 naming the items) and
        # records findings; anyone reads it and files an objection without a login
        Rule("POST", f"/api/campaigns/{w['campaign']}/notices", {"res_office1": 409}, 403, body={}, mutating=True),
        Rule("GET", "/api/objections", {"res_office1": 200}, 403),
        Rule("POST", "/api/objections/999999/finding", {"res_office1": 404}, 403, mutating=True,
             body={"finding": "dismissed", "reasons": "权限测试"}),
        Rule("GET", "/api/public/notices", everyone, 200, public=True),
        Rule("GET", "/api/public/notices/999999", {}, 404, public=True),
        Rule("GET", "/api/public/objections/gs2026_999999", {}, 404, public=True),  # a reference nobody holds
        Rule("POST", "/api/public/objections", {}, 404, public=True, body="objection"),
        # 竞秀区's own campaign (实施细则): the federation sees it all; 竞秀区's office and units theirs; nobody else
        Rule("GET", f"/api/campaigns/{w['jx_campaign']}", {**jx_readers, "scorer_org": 404}, 404),
        Rule("GET", f"/api/applications/{w['jx_app']}", jx_readers, 404),
        Rule("GET", f"/api/tasks/{w['jx_vetting']}", {"jx_vetter": 200, **SUPERVISORS, "jx_office": 200}, 404),
        Rule("GET", f"/api/campaigns/{w['jx_campaign']}/results", {**fed, "jx_office": 200,
                                                                   **{u: 403 for u in jx_members}}, 404),
        Rule("GET", f"/api/campaigns/{w['jx_campaign']}/readiness", {**jx_offices, "health_vetter": 403}, 403),
        Rule("PATCH", f"/api/campaigns/{w['jx_campaign']}", jx_offices, 403, mutating=True,
             body={"reminders": {"send_hour": 10}, "reason": "权限测试", "dry_run": True}),
        Rule("POST", "/api/applications", {"hy_submitter": 201, "hc_submitter": 422}, 403, mutating=True,
             body={"campaign_id": w["jx_campaign"], "theme": "细则权限测试"}),  # 鸿川 is outside 竞秀区
        # public: no token needed
        Rule("GET", "/api/health", everyone, 200, public=True),
        Rule("GET", "/api/openapi.json", everyone, 200, public=True),
        Rule("POST", "/api/auth/token", {u: 201 for u in USERS}, 201, public=True, body="login"),
        # last: it ends each caller's token
        Rule("DELETE", "/api/auth/token", {u: 204 for u in USERS}, 204, mutating=True),
    ]


def send(api: Api, rule: Rule, user: str | None, year: list[int]) -> int:
    kw: dict[str, Any] = {}
    if rule.xml or rule.content_type:
        kw = {"data": rule.body, "headers": {"Content-Type": rule.content_type or "application/xml"}}
    elif rule.body == "campaign":
        year[0] += 1
        kw = {"json": {"year": year[0], "name": f"{year[0]}年度评比", "grades": ["一等奖", "不授奖"], "no_award_grade": "不授奖",
                       "criteria": [{"code": "c", "name": "创新", "weight": 1, "max": 100}]}}
    elif rule.body == "copy":
        year[0] += 1
        kw = {"json": {"year": year[0], "reason": "权限测试"}}
    elif rule.body == "login":  # a login of its own for each caller (its limit is per client and username)
        from service.auth import ratelimit
        from service.demo.baoding import DEMO_PASSWORD

        ratelimit.reset()
        kw = {"json": {"username": user or "res_office2", "password": DEMO_PASSWORD}}
    elif rule.body == "objection":  # its limit is per client address: each caller's attempt on its own
        from service.auth import ratelimit

        ratelimit.reset()
        kw = {"json": {"notice_id": 999999, "item_id": 1, "name": "王建国", "contact": "13912345678",
                       "reason": "权限测试的异议理由"}}
    elif callable(rule.body):  # a new body each call (a unique code or username)
        year[0] += 1
        kw = {"json": rule.body(year[0])}
    elif rule.body is not None:
        kw = {"json": rule.body}
    elif rule.method in ("POST", "PUT"):
        kw = {"json": {}}
    return api.call(rule.method, rule.path, user, **kw).status_code


def test_every_endpoint_for_every_role(app: Any) -> None:
    api = Api(app)
    w = world(api)
    year = [2040]
    table = rules(w)
    mismatches = []
    for rule in table:
        # those refused first, so a mutating call by an allowed user cannot change what the others see
        order = sorted(USERS, key=lambda u: rule.allowed.get(u, rule.default) < 300)
        for user in order:
            expected = rule.allowed.get(user, rule.default)
            got = send(api, rule, user, year)
            if got != expected:
                mismatches.append(f"{rule.method} {rule.path} as {user}: expected {expected}, got {got}")
        got = send(api, rule, None, year)
        expected = rule.default if rule.public else 401
        if got != expected:
            mismatches.append(f"{rule.method} {rule.path} without a token: expected {expected}, got {got}")
    assert not mismatches, "\n".join(mismatches)


def test_the_matrix_has_a_rule_for_every_operation_in_the_openapi_document(sqlite_app: Any) -> None:
    """A new endpoint cannot ship without saying who may call it (and the matrix names no endpoint that is gone)."""
    import re

    spec = Api(sqlite_app).get("/api/openapi.json")
    operations = {(method.upper(), path): op for path, ops in spec["paths"].items() for method, op in ops.items()}
    ids = {k: 1 for k in ("hc", "hy", "hc_draft", "hc_inst", "hy_inst", "review", "vetting", "fill", "campaign",
                          "definition", "hy_unit", "hy_union", "person", "workbook", "jx_campaign", "jx_app",
                          "jx_vetting", "hc_unit", "hy_person")}
    ids["scorers"] = [1]
    covered: dict[tuple[str, str], Rule] = {}
    for rule in rules(ids):
        matches = [key for key in operations if key[0] == rule.method and re.fullmatch(
            re.sub(r"\\\{(id|key)\\\}", lambda m: r"\d+" if m.group(1) == "id" else "[a-z][a-z0-9_]*",
                   re.escape(key[1])), rule.path.split("?")[0])]
        assert len(matches) == 1, f"{rule.method} {rule.path} matches {matches} in the OpenAPI document"
        covered[matches[0]] = rule
    missing = sorted(f"{m} {p}" for m, p in operations if (m, p) not in covered)
    assert not missing, f"operations with no rule in the access matrix: {missing}"
    for key, rule in covered.items():
        assert rule.public == (operations[key].get("security") == []), f"{key}: public in one place only"


def test_every_secured_operation_in_the_openapi_document_needs_a_token(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    spec = api.get("/api/openapi.json")
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if op.get("security") == []:
                continue
            concrete = path.replace("{id}", "1").replace("{key}", "innovation_appraisal")
            r = api.call(method.upper(), concrete, None, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.mimetype == "application/problem+json"


def test_task_lists_show_only_tasks_the_user_could_do(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    w = world(api)
    for user in USERS:
        for task in api.tasks(user, state="all"):
            detail = api.call("GET", f"/api/tasks/{task['id']}", user)
            assert detail.status_code == 200, (user, task)
    assert not [t for t in api.tasks("hy_submitter", state="all") if t["application_id"] in (w["hc"], w["hc_draft"])]
    assert not [t for t in api.tasks("health_vetter", state="all") if t["application_id"] == w["hy"]]


def test_passwords_are_argon2id_hashes(sqlite_app: Any) -> None:
    app = sqlite_app
    with app.extensions["appraisal.sessions"]() as s:
        hashes = list(s.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all("demo-pass" not in h for h in hashes)


def test_tokens_expire_and_can_be_revoked(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    token = api.login("res_office1")
    ttl = app.extensions["appraisal.settings"].token_ttl
    api.get("/api/me", "res_office1")
    with clock.frozen(clock.now() + ttl + timedelta(seconds=1)):
        r = api.call("GET", "/api/me", "res_office1")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    api.get("/api/me", "res_office1")  # still valid now
    api.call("DELETE", "/api/auth/token", "res_office1", expect=204)
    r = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_token_lifetime_comes_from_the_environment() -> None:
    assert Settings.from_env({"TOKEN_TTL_MINUTES": "5"}).token_ttl == timedelta(minutes=5)
    assert Settings.from_env({"SESSION_TTL_MINUTES": "7"}).session_ttl == timedelta(minutes=7)


def test_login_is_rate_limited(sqlite_app: Any) -> None:
    import time

    from service.auth import ratelimit
    from service.demo.baoding import DEMO_PASSWORD

    app = sqlite_app
    client = app.test_client()
    limit = app.extensions["appraisal.settings"].login_attempts_per_minute
    for _ in range(3):  # the limiter counts per clock minute: start again if a minute boundary fell inside
        ratelimit.reset()
        window = int(time.monotonic() // 60)
        answers = [client.post("/api/auth/token", json={"username": "res_office2", "password": "guess"})
                   for _ in range(limit + 2)]
        # even the right password is refused until the window passes
        answers.append(client.post("/api/auth/token", json={"username": "res_office2", "password": DEMO_PASSWORD}))
        if int(time.monotonic() // 60) == window:
            break
    codes = [r.status_code for r in answers]
    assert codes == [401] * limit + [429, 429, 429], codes
    assert answers[-1].mimetype == "application/problem+json"


def test_secrets_come_only_from_the_environment() -> None:
    assert Settings.from_env({"SECRET_KEY": "from-env"}).secret_key == "from-env"
    a, b = Settings.from_env({}).secret_key, Settings.from_env({}).secret_key
    assert a != b and len(a) >= 32  # no built-in secret: unset means random per process
    source = "\n".join(p.read_text(encoding="utf-8") for p in (Path(__file__).resolve().parents[2] / "service").rglob("*.py"))
    assert "SECRET_KEY=\"" not in source and "secret_key = \"" not in source.lower().replace("secret_key: str = \"\"", "")


def test_every_decision_is_audited_with_actor_roles_and_time(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.complete("group_leader", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "好"})
    task_id = api.task_for("res_office1", "record_presentation", app_id)["id"]
    api.post(f"/api/tasks/{task_id}/claim", "res_office1")
    api.post(f"/api/tasks/{task_id}/complete", "res_office1", json={
        "presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "好"})
    bundled = (Path(__file__).resolve().parents[2] / "processes" / "draft_consultation.bpmn").read_bytes()
    api.call("POST", "/api/process-definitions?comment=again", "process_admin", expect=201, data=bundled,
             headers={"Content-Type": "application/xml"})
    with app.extensions["appraisal.sessions"]() as s:
        rows = list(s.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        users = {u.id: u.username for u in s.scalars(select(User))}
    got = [(r.action, r.object_type, users.get(r.actor_id)) for r in rows if r.actor_id is not None]
    for expected in [("create", "application", "hc_submitter"), ("complete", "task", "hc_submitter"),
                     ("complete", "task", "hc_leader"), ("complete", "task", "res_office1"),
                     ("shortlist_view", "task", "lg_member1"), ("decide", "task", "group_leader"),
                     ("claim", "task", "res_office1"), ("deploy", "process_definition", "process_admin")]:
        assert expected in got, (expected, got)
    for r in rows:
        if r.actor_id is not None:
            assert r.actor_roles and r.at is not None
    review = next(r for r in rows if r.action == "decide" and r.detail["element"] == "preliminary_review")
    assert review.actor_roles == ["group_leader"] and review.detail["data"]["shortlisted"] is True
    assert review.detail["element"] == "preliminary_review" and review.detail["message"] == "shortlist_decided"
    recorded = next(r for r in rows if r.action == "complete" and r.object_id == str(task_id))
    assert recorded.actor_roles == ["office"] and recorded.detail["element"] == "record_presentation"


def test_no_endpoint_can_change_the_audit_trail(sqlite_app: Any) -> None:
    app = sqlite_app
    rules_ = [str(r) for r in app.url_map.iter_rules()]
    assert not [r for r in rules_ if "audit" in r and r.startswith("/api")], rules_
    for r in app.url_map.iter_rules():
        if "audit" in str(r):
            assert not (r.methods or set()) & {"PUT", "PATCH", "DELETE"}, r


def test_the_database_refuses_to_edit_or_delete_audit_records(app: Any) -> None:
    api = Api(app)
    flows.create(api, "hc_submitter")
    engine = app.extensions["appraisal.db_engine"]
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(Exception) as info:
            with engine.begin() as conn:
                conn.execute(text(statement))
        assert "append-only" in str(info.value)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'forged'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0


def test_browser_sessions_expire(sqlite_app: Any) -> None:
    import re

    from service.demo.baoding import DEMO_PASSWORD

    app = sqlite_app
    client = app.test_client()

    def csrf(path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)

    r = client.post("/login", data={"csrf_token": csrf("/login"), "username": "res_office1", "password": DEMO_PASSWORD})
    assert r.status_code == 302
    assert client.get("/api/me").status_code == 200
    ttl = app.extensions["appraisal.settings"].session_ttl
    with clock.frozen(clock.now() + ttl + timedelta(seconds=1)):
        assert client.get("/api/me").status_code == 401
        assert client.get("/").status_code == 302
