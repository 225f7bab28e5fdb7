"""Local implementing rules (实施细则, issue 13.4) and roles held in several units (13.2), on SQLite and PostgreSQL.

竞秀区总工会 (a county union) runs its own campaign for the units below it, with its own office (the office
role held in 竞秀区), leading group, scorers and window; the federation's office sees it, 竞秀区's office sees
only its own, and a unit outside 竞秀区 cannot see or apply to it. (Every endpoint for every role, the
union's office among them, is the access matrix: test_access_matrix.py.)
"""
from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from tests.api_client import Api
from tests.integration import flows
from tests.integration.test_access_matrix import add_union_office, local_campaign
from tests.integration.test_org_workbook import upload


def _ids(items: list[dict[str, Any]]) -> set[int]:
    return {i["id"] for i in items}


def test_a_union_runs_its_own_campaign_that_other_units_cannot_see(app: Any) -> None:
    api = Api(app)
    add_union_office(app)
    federation = flows.campaign_id(api)
    w = local_campaign(api)
    jx_campaign = api.get(f"/api/campaigns/{w['jx_campaign']}", "jx_office")
    assert jx_campaign["owner_name"] == "竞秀区总工会" and jx_campaign["opened_at"]
    # the federation's office sees every campaign; 竞秀区's office its own; 恒远 (below 竞秀区) both; 鸿川 the federation's
    assert _ids(api.get("/api/campaigns", "res_office1")["items"]) >= {federation, w["jx_campaign"]}
    assert _ids(api.get("/api/campaigns", "jx_office")["items"]) == {w["jx_campaign"]}
    assert _ids(api.get("/api/campaigns", "hy_submitter")["items"]) >= {federation, w["jx_campaign"]}
    assert w["jx_campaign"] not in _ids(api.get("/api/campaigns", "hc_submitter")["items"])
    refused = api.call("POST", "/api/applications", "hc_submitter", 422, json={
        "campaign_id": w["jx_campaign"], **flows.GOOD_APPLICATION}).get_json()
    assert refused["errors"][0]["field"] == "campaign_id"
    # applications and tasks: 竞秀区's office sees its campaign's, none of the federation's
    fed_app = flows.create(api, "hy_submitter")["id"]  # 恒远 applies to the federation's campaign too
    seen = _ids(api.get("/api/applications", "jx_office")["items"])
    assert w["jx_app"] in seen and fed_app not in seen
    assert {w["jx_app"], fed_app} <= _ids(api.get("/api/applications", "res_office1")["items"])
    api.call("GET", f"/api/applications/{fed_app}", "jx_office", 404)
    # vetted by 竞秀区's vetter, the item reaches 竞秀区's own leading group, not the federation's
    api.complete("jx_vetter", "county_vetting", w["jx_app"], {"vetting_decision": "approve"})
    review = [t for t in api.tasks("res_office1", application_id=w["jx_app"]) if t["element_id"] == "preliminary_review"]
    assert not review  # the federation's office is no candidate; it oversees the task (督办) instead
    assert not [t for t in api.tasks("lg_member1", application_id=w["jx_app"])]
    jx_unit = api.get(f"/api/applications/{w['jx_app']}", "res_office1")["supervising_union_id"]
    lg = api.post("/api/users", "res_office1", expect=201, json={
        "username": "jx_lg", "display_name": "竞秀区评比领导小组成员", "unit_id": jx_unit, "roles": ["leading_group"],
        "email": "jx_lg@example.org"})
    assert lg["role_units"] == [{"role": "leading_group", "unit_id": jx_unit, "unit_name": "竞秀区总工会"}]
    # the campaign's readiness and set-up are 竞秀区's office's; the federation's campaign is not
    api.get(f"/api/campaigns/{w['jx_campaign']}/readiness", "jx_office")
    api.call("GET", f"/api/campaigns/{federation}/readiness", "jx_office", 404)
    # units and people: 竞秀区's office manages 竞秀区 and the units below it only
    people = api.get("/api/users?page_size=200", "jx_office")["items"]
    assert people and {p["unit_code"] for p in people} <= {"BD-JX", "BD-JX-HY"} and "hy_leader" in {
        p["username"] for p in people}
    api.call("GET", "/api/org-workbook", "jx_office", 403)
    # the window's notices of 竞秀区's campaign go to the units below 竞秀区 only
    from service.workflows import reminders
    from tests.integration.test_deadlines import outbox_rows, user_id

    with app.extensions["appraisal.sessions"]() as s:
        reminders.sweep(session=s)
    told = {r.recipient_user_id for r in outbox_rows(app, template="window_open", campaign_id=w["jx_campaign"])}
    assert user_id(app, "hy_submitter") in told and user_id(app, "hc_submitter") not in told


def test_a_person_holds_roles_in_several_units(app: Any) -> None:
    """Office staff of 竞秀区 who also scores for the federation: each role counts in its own unit."""
    api = Api(app)
    add_union_office(app)
    federation = flows.campaign_id(api)
    w = local_campaign(api)
    me = api.get("/api/users?q=jx_office", "res_office1")["items"][0]
    federation_unit = api.get("/api/users?q=scorer_org", "res_office1")["items"][0]["unit_id"]
    person = api.call("PATCH", f"/api/users/{me['id']}", "res_office1", 200, json={
        "other_roles": [{"role": "scorer", "unit_id": federation_unit}]}).get_json()
    assert person["roles"] == ["office"]
    assert {(r["role"], r["unit_id"]) for r in person["role_units"]} == {
        ("office", me["unit_id"]), ("scorer", federation_unit)}
    assert set(api.get("/api/me", "jx_office")["roles"]) == {"office", "scorer"}
    # as a scorer they may be named on the federation's campaign, which they then see; they still manage only 竞秀区's
    scorers = api.get(f"/api/campaigns/{federation}", "res_office1")["scorer_ids"]
    api.call("PUT", f"/api/campaigns/{federation}/scorers", "res_office1", 200,
             json={"scorer_ids": [*scorers, me["id"]]})
    api.get(f"/api/campaigns/{federation}", "jx_office")
    api.call("GET", f"/api/campaigns/{federation}/readiness", "jx_office", 403)
    api.get(f"/api/campaigns/{w['jx_campaign']}/readiness", "jx_office")
    # a role in a unit outside the office's reach is refused, naming the field
    hy_leader = api.get("/api/users?q=hy_leader", "jx_office")["items"][0]
    outside = api.call("PATCH", f"/api/users/{hy_leader['id']}", "jx_office", 422, json={
        "other_roles": [{"role": "scorer", "unit_id": federation_unit}]}).get_json()
    assert outside["errors"][0]["field"] == "other_roles.0.unit_id"
    # the organisation workbook says where each role is held and round-trips
    exported = api.call("GET", "/api/org-workbook", "res_office1", 200).data
    people = load_workbook(BytesIO(exported))["人员"]
    row = next(r for r in people.iter_rows(min_row=2, values_only=True) if r[0] == "jx_office")
    assert row[5] == "评比办公室、评审组成员（BD-ORG）"
    again = upload(api, exported)
    assert {k for c in again["counts"].values() for k in c} == {"unchanged"}
    # a role elsewhere written in the sheet is imported as such
    wb = load_workbook(BytesIO(exported))
    for r in wb["人员"].iter_rows(min_row=2):
        if r[0].value == "hy_leader":
            r[5].value = "单位主要领导、评审组成员（BD-ORG）"
        if r[0].value == "jx_office":
            r[5].value = "评比办公室"
    buffer = BytesIO()
    wb.save(buffer)
    done = upload(api, buffer.getvalue(), dry_run=False)
    assert done["counts"]["人员"].get("update") == 2, done
    leader = api.get("/api/users?q=hy_leader", "res_office1")["items"][0]
    assert {(r["role"], r["unit_id"]) for r in leader["role_units"]} == {
        ("unit_leader", leader["unit_id"]), ("scorer", federation_unit)}
    assert set(api.get("/api/me", "jx_office")["roles"]) == {"office"}


def test_the_person_page_edits_roles_per_unit(app: Any) -> None:
    """The office adds a role in another unit on the person's page, sees it listed there, and takes it away."""
    from tests.web_client import csrf, logged_in

    api = Api(app)
    add_union_office(app)
    me = api.get("/api/users?q=jx_office", "res_office1")["items"][0]
    federation_unit = api.get("/api/users?q=scorer_org", "res_office1")["items"][0]["unit_id"]
    client, _ = logged_in(app, "res_office1")
    path = f"/office/org/people/{me['id']}"
    form = {"csrf_token": csrf(client, path), "action": "save", "username": "jx_office", "display_name": "竞秀区办公室",
            "email": "jx_office@example.org", "unit_id": str(me["unit_id"]), "roles": ["office"],
            "add_role": "scorer", "add_role_unit": str(federation_unit)}
    assert client.post(path, data=form).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert 'id="other-roles"' in page and f'value="scorer@{federation_unit}" checked' in page
    held = {(r["role"], r["unit_id"]) for r in api.get(f"/api/users/{me['id']}", "res_office1")["role_units"]}
    assert held == {("office", me["unit_id"]), ("scorer", federation_unit)}
    form = {**form, "csrf_token": csrf(client, path), "add_role": "", "add_role_unit": ""}  # the box left unticked
    assert client.post(path, data=form).status_code == 302
    held = {(r["role"], r["unit_id"]) for r in api.get(f"/api/users/{me['id']}", "res_office1")["role_units"]}
    assert held == {("office", me["unit_id"])}


def test_a_union_office_hears_only_of_its_own_campaigns_overdue_work(app: Any) -> None:
    """The office's daily digest lists the overdue work its role reaches: 竞秀区's office hears of its own
    campaign's late vetting, not of the federation's; the federation's office hears of both."""
    from datetime import datetime, time, timedelta

    from sqlalchemy import select

    from service import clock
    from service.models import Task
    from service.workflows import reminders
    from tests.integration.test_deadlines import make_api, outbox_rows, travel, user_id

    api = make_api(app)
    add_union_office(app)
    w = local_campaign(api)
    fed_app = flows.create(api, "hy_submitter", theme="联合会评比申报")["id"]
    flows.submit(api, fed_app, "hy_submitter", "hy_leader")
    with app.extensions["appraisal.sessions"]() as s:
        due = max(s.scalars(select(Task.due_at).where(Task.element_id == "county_vetting",
                                                       Task.application_id.in_([w["jx_app"], fed_app]))))
    morning = datetime.combine(clock.local(due).date() + timedelta(days=2), time(9, 30), tzinfo=clock.local(due).tzinfo)
    travel(morning)
    with app.extensions["appraisal.sessions"]() as s:
        reminders.sweep(session=s)
    digests = {r.recipient_user_id: {i["application_theme"] for i in r.context["items"]}
               for r in outbox_rows(app, template="office_digest")}
    assert {"竞秀区细则申报", "联合会评比申报"} <= digests[user_id(app, "res_office1")]
    assert digests[user_id(app, "jx_office")] == {"竞秀区细则申报"}
