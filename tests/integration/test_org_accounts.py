"""The office manages units and people; one-time password links; deactivation releases claimed tasks (issue 13.1)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from service import clock
from service.auth import ratelimit
from service.demo.baoding import DEMO_PASSWORD
from service.models import ApiToken, AuditRecord, OutboxMessage, PasswordLink, Task
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in


def audits(app: Any, action: str) -> list[AuditRecord]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def outbox(app: Any, template: str) -> list[OutboxMessage]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.template == template)
                              .order_by(OutboxMessage.id)))


def token_of(row: OutboxMessage) -> str:
    return row.context["link"].rsplit("/", 1)[1]


def unit_id(api: Api, code: str) -> int:
    return next(u["id"] for u in api.get("/api/org-units", "res_office1")["items"] if u["code"] == code)


def login(api: Api, username: str, password: str) -> int:
    ratelimit.reset()
    return api.client.post("/api/auth/token", json={"username": username, "password": password}).status_code


def test_office_manages_units_and_people_and_every_change_is_audited(app: Any) -> None:
    api = Api(app)
    jx = unit_id(api, "BD-JX")
    unit = api.post("/api/org-units", "res_office1", expect=201, json={
        "code": "JX-T01", "name": "恒信机械工会", "type": "enterprise", "parent_id": jx})
    assert unit["supervising_union_id"] == jx and unit["is_active"] is True
    # the code is unique, whatever its case; the problem names the field
    again = api.call("POST", "/api/org-units", "res_office1", 422, json={
        "code": "jx-t01", "name": "重复", "type": "enterprise"}).get_json()
    assert [e["field"] for e in again["errors"]] == ["code"]
    bad = api.call("POST", "/api/org-units", "res_office1", 422, json={
        "code": "JX T02", "name": "", "type": "village", "parent_id": 999999}).get_json()
    assert {e["field"] for e in bad["errors"]} == {"code", "name", "type"}
    assert api.call("POST", "/api/org-units", "hc_submitter", 403, json={}).status_code == 403
    # a unit cannot be put under itself or its own subtree
    loop = api.call("PATCH", f"/api/org-units/{jx}", "res_office1", 422, json={"parent_id": unit["id"]}).get_json()
    assert loop["errors"][0]["field"] == "parent_id"

    before = len(audits(app, "update_unit"))
    api.call("PATCH", f"/api/org-units/{unit['id']}", "res_office1", 200, json={"name": "恒信机械工会"})  # unchanged
    assert len(audits(app, "update_unit")) == before
    edited = api.call("PATCH", f"/api/org-units/{unit['id']}", "res_office1", 200,
                      json={"name": "恒信重工工会"}).get_json()
    assert edited["name"] == "恒信重工工会"
    record = audits(app, "update_unit")[-1]
    assert record.detail == {"before": {"name": "恒信机械工会"}, "after": {"name": "恒信重工工会"}}
    assert record.actor_roles and record.at is not None

    person = api.post("/api/users", "res_office1", expect=201, json={
        "username": "hx_submitter", "display_name": "韩雪", "unit_id": unit["id"],
        "roles": ["unit_submitter", "unit_leader"], "phone": "13900001111"})
    assert person["roles"] == ["unit_leader", "unit_submitter"] and person["has_password"] is False
    taken = api.call("POST", "/api/users", "res_office1", 422, json={
        "username": "HX_SUBMITTER", "display_name": "重名", "unit_id": unit["id"], "email": "x@example.com"}).get_json()
    assert [e["field"] for e in taken["errors"]] == ["username"]
    unreachable = api.call("POST", "/api/users", "res_office1", 422, json={
        "username": "nobody", "display_name": "无联系方式", "unit_id": unit["id"], "roles": ["wizard"]}).get_json()
    assert {e["field"] for e in unreachable["errors"]} == {"roles"}
    before = len(audits(app, "update_person"))
    api.call("PATCH", f"/api/users/{person['id']}", "res_office1", 200,
             json={"roles": ["unit_submitter", "unit_leader"], "display_name": "韩雪"})
    assert len(audits(app, "update_person")) == before
    changed = api.call("PATCH", f"/api/users/{person['id']}", "res_office1", 200,
                       json={"roles": ["unit_submitter"], "email": "hx@example.com"}).get_json()
    assert changed["roles"] == ["unit_submitter"] and changed["email"] == "hx@example.com"
    assert audits(app, "update_person")[-1].detail["after"] == {"email": "hx@example.com", "roles": ["unit_submitter"]}
    assert [a.object_id for a in audits(app, "create_person")][-1] == str(person["id"])

    # a unit with active people cannot be deactivated; once they are gone, it can
    refused = api.call("PATCH", f"/api/org-units/{unit['id']}", "res_office1", 422, json={"is_active": False})
    assert refused.get_json()["errors"][0]["field"] == "is_active"
    api.call("PATCH", f"/api/users/{person['id']}", "res_office1", 200, json={"is_active": False})
    assert api.call("PATCH", f"/api/org-units/{unit['id']}", "res_office1", 200,
                    json={"is_active": False}).get_json()["is_active"] is False
    assert all(u["id"] != unit["id"] for u in api.get("/api/org-units", "res_office1")["items"])
    assert any(u["id"] == unit["id"] for u in api.get("/api/org-units?include_inactive=true", "res_office1")["items"])
    # people can no longer be put in it
    moved = api.call("PATCH", f"/api/users/{person['id']}", "res_office1", 422, json={"unit_id": unit["id"],
                                                                                      "is_active": True})
    assert moved.get_json()["errors"][0]["field"] == "unit_id"
    assert api.get("/api/users?include_inactive=true&q=hx_", "res_office1")["total"] == 1


def test_a_password_link_works_once_and_expires(app: Any) -> None:
    api = Api(app)
    hc = unit_id(api, "BD-JX")
    person = api.post("/api/users", "res_office1", expect=201, json={
        "username": "new_leader", "display_name": "林新", "unit_id": hc, "roles": ["unit_leader"],
        "email": "new_leader@example.com", "phone": "13800009999"})
    invite = [r for r in outbox(app, "account_invite") if r.recipient_user_id == person["id"]]
    assert [r.channel for r in invite] == ["email"]  # the link goes where only its person reads it
    assert invite[0].context["link"].startswith("/password/")
    assert login(api, "new_leader", "") in (401, 422)
    token = token_of(invite[0])
    # too short, or only digits: refused naming the field, the link still works
    short = api.call("POST", "/api/auth/password-link", None, 422, json={"token": token, "password": "1234567890"})
    assert short.get_json()["errors"][0]["field"] == "password"
    api.call("POST", "/api/auth/password-link", None, 204, json={"token": token, "password": "xin-lin-2026"})
    assert login(api, "new_leader", "xin-lin-2026") == 201
    # once only
    api.call("POST", "/api/auth/password-link", None, 404, json={"token": token, "password": "other-pass-2026"})
    assert app.test_client().get(invite[0].context["link"]).status_code == 404
    assert api.get(f"/api/users/{person['id']}", "res_office1")["has_password"] is True

    # the office's reset: the old password and every token stop working; a new link is sent
    ratelimit.reset()
    live = api.client.post("/api/auth/token", json={"username": "new_leader", "password": "xin-lin-2026"}).get_json()
    sent = api.post(f"/api/users/{person['id']}/password-reset", "res_office1", expect=202)
    assert sent["channels"] == ["email"] and sent["purpose"] == "reset"
    assert login(api, "new_leader", "xin-lin-2026") == 401
    assert api.client.get("/api/me", headers={"Authorization": f"Bearer {live['token']}"}).status_code == 401
    reset = [r for r in outbox(app, "password_reset") if r.recipient_user_id == person["id"]]
    assert len(reset) == 1
    # a newer link retires an older unused one
    api.post(f"/api/users/{person['id']}/password-reset", "res_office1", expect=202)
    newer = [r for r in outbox(app, "password_reset") if r.recipient_user_id == person["id"]][-1]
    api.call("POST", "/api/auth/password-link", None, 404, json={"token": token_of(reset[0]),
                                                                 "password": "never-used-2026"})
    # expiry: PASSWORD_LINK_TTL (72 h) later the newest link no longer works either
    with app.extensions["appraisal.sessions"]() as s:
        expires = s.scalars(select(PasswordLink).where(PasswordLink.user_id == person["id"])
                            .order_by(PasswordLink.id.desc())).first().expires_at
    assert expires - clock.now() <= timedelta(hours=72)
    with clock.frozen(expires - timedelta(seconds=1)):
        assert app.test_client().get(newer.context["link"]).status_code == 200
    with clock.frozen(expires + timedelta(seconds=1)):
        api.call("POST", "/api/auth/password-link", None, 404, json={"token": token_of(newer),
                                                                     "password": "too-late-2026"})
        page = app.test_client().get(newer.context["link"])
        assert page.status_code == 404 and "已使用或已过期" in page.get_data(as_text=True)
    assert len(audits(app, "set_password")) == 1
    assert [a.detail["purpose"] for a in audits(app, "send_password_link")] == ["invite", "reset", "reset"]


def test_a_person_changes_their_own_password(app: Any) -> None:
    api = Api(app)
    wrong = api.call("POST", "/api/me/password", "hc_submitter", 422,
                     json={"current_password": "not-mine-at-all", "new_password": "brand-new-2026"})
    assert wrong.get_json()["errors"][0]["field"] == "current_password"
    api.call("POST", "/api/me/password", "hc_submitter", 204,
             json={"current_password": DEMO_PASSWORD, "new_password": "brand-new-2026"})
    assert login(api, "hc_submitter", DEMO_PASSWORD) == 401
    assert login(api, "hc_submitter", "brand-new-2026") == 201


def test_deactivating_a_person_releases_their_claimed_tasks_and_revokes_their_credentials(app: Any) -> None:
    api = Api(app)
    hc = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, hc, "hc_submitter", "hc_leader")
    # the item waits for the shortlist: the office's pool task to list the candidates, claimed by one of them
    review = next(t for t in api.tasks("res_office2") if t["element_id"] == "prepare_shortlist")
    api.post(f"/api/tasks/{review['id']}/claim", "res_office2")
    token = api.login("res_office2")
    browser, _ = logged_in(app, "res_office2")
    assert browser.get("/tasks").status_code == 200
    lg2 = api.get("/api/users?q=res_office2", "res_office1")["items"][0]["id"]

    api.call("PATCH", f"/api/users/{lg2}", "res_office1", 200, json={"is_active": False})
    with app.extensions["appraisal.sessions"]() as s:
        task = s.get(Task, review["id"])
        assert task.assignee_id is None and task.claimed_at is None and task.state == "open"
        assert s.scalar(select(func.count()).select_from(ApiToken).where(
            ApiToken.user_id == lg2, ApiToken.revoked_at.is_(None))) == 0
    released = audits(app, "release_task")
    assert [(r.object_id, r.detail["from_user_id"]) for r in released] == [(str(review["id"]), lg2)]
    assert released[0].campaign_id is not None  # in its campaign's chain, like claims
    assert audits(app, "update_person")[-1].detail["released_tasks"] == [review["id"]]
    told = {r.recipient["name"] for r in outbox(app, "task_released")}
    assert told and "res_office2" not in {r.recipient.get("username") for r in outbox(app, "task_released")}
    names = {api.get("/api/me", u)["display_name"] for u in ("res_office1",)}
    assert told == names
    # their token, their browser session and their password no longer work
    assert api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert browser.get("/tasks").status_code == 302
    assert login(api, "res_office2", DEMO_PASSWORD) == 401
    # the pool can claim it now
    assert api.post(f"/api/tasks/{review['id']}/claim", "res_office1")["assignee_id"] is not None
    # deactivating again changes nothing and records nothing
    before = len(audits(app, "update_person"))
    api.call("PATCH", f"/api/users/{lg2}", "res_office1", 200, json={"is_active": False})
    assert len(audits(app, "update_person")) == before
    # the office cannot deactivate itself
    me = api.get("/api/me", "res_office1")["id"]
    assert api.call("PATCH", f"/api/users/{me}", "res_office1", 422, json={"is_active": False}).status_code == 422


def test_office_pages_create_edit_and_deactivate(app: Any) -> None:
    import re

    client, token = logged_in(app, "res_office1")
    api = Api(app)
    jx = unit_id(api, "BD-JX")
    r = client.post("/office/org/units", data={"csrf_token": token, "code": "JX-P01", "name": "页面新增工会",
                                               "type": "enterprise", "parent_id": str(jx)})
    assert r.status_code == 302
    dup = client.post("/office/org/units", data={"csrf_token": token, "code": "JX-P01", "name": "再来一次",
                                                 "type": "enterprise"})
    page = dup.get_data(as_text=True)
    assert dup.status_code == 422 and 'data-field="code"' in page and "已被使用" in page
    unit = next(u for u in api.get("/api/org-units", "res_office1")["items"] if u["code"] == "JX-P01")
    r = client.post("/office/org/people", data={"csrf_token": token, "username": "page_user", "display_name": "页面用户",
                                                "unit_id": str(unit["id"]), "roles": ["unit_submitter"],
                                                "email": "page_user@example.com"})
    assert r.status_code == 302
    person_page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "页面用户" in person_page and "设置密码的一次性链接已通过电子邮件发送" in person_page
    person = api.get("/api/users?q=page_user", "res_office1")["items"][0]
    r = client.post(f"/office/org/people/{person['id']}", data={"csrf_token": token, "action": "reset"})
    assert r.status_code == 302
    r = client.post(f"/office/org/people/{person['id']}", data={"csrf_token": token, "action": "deactivate"})
    assert r.status_code == 302 and api.get(f"/api/users/{person['id']}", "res_office1")["is_active"] is False
    r = client.post(f"/office/org/units/{unit['id']}", data={"csrf_token": token, "action": "deactivate"})
    assert r.status_code == 302
    assert api.get(f"/api/org-units/{unit['id']}", "res_office1")["is_active"] is False
    # only the office; a missing CSRF token changes nothing
    other, other_token = logged_in(app, "hc_submitter")
    assert other.get("/office/org").status_code == 403
    assert client.post("/office/org/units", data={"code": "JX-P02", "name": "无令牌", "type": "enterprise"}).status_code == 400
    assert all(u["code"] != "JX-P02" for u in api.get("/api/org-units", "res_office1")["items"])
    # a person's own password page
    page = other.get("/account/password").get_data(as_text=True)
    assert re.search(r'id="password-form"', page)


def test_the_first_office_account_of_an_empty_database(tmp_path: Any, sqlite_template: Any, monkeypatch: Any,
                                                       capsys: Any) -> None:
    import shutil

    from service import create_app
    from service.cli import main
    from service.config import Settings

    shutil.copy(sqlite_template, tmp_path / "empty.db")
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["first-office", "--unit-code", "BD", "--unit-name", "保定市总工会", "--username", "office1",
                 "--name", "张敏", "--email", "office1@example.org"]) == 0
    printed = capsys.readouterr().out
    link = printed[printed.index("/password/"):].split()[0]
    app = create_app(Settings.from_env({"SECRET_KEY": "t"}, database_url=url))
    client = app.test_client()
    assert client.post("/api/auth/password-link", json={"token": link.rsplit("/", 1)[1],
                                                        "password": "office-first-day"}).status_code == 204
    r = client.post("/api/auth/token", json={"username": "office1", "password": "office-first-day"})
    assert r.status_code == 201 and r.get_json()["user"]["roles"] == ["office"]
    assert r.get_json()["user"]["unit_name"] == "保定市总工会"
    app.extensions["appraisal.db_engine"].dispose()
