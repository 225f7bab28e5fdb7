"""Browser logins live on the server: logout, a password change and deactivation end them (and tokens) for good."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from service.demo.baoding import DEMO_PASSWORD
from service.models import ApiToken, BrowserSession, User
from service.schemas.auth import PASSWORD_RULE
from tests.api_client import Api
from tests.web_client import csrf, logged_in

NEW_PASSWORD = "新的口令-2027-春"


def copy_of(app: Any, client: Any) -> Any:
    """Another browser holding a copy of ``client``'s session cookie (a stolen or replayed cookie)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie("session", cookie.value, domain=cookie.domain or "localhost")
    return other


def logged_out(client: Any) -> bool:
    page = client.get("/")
    api = client.get("/api/me")
    return page.status_code == 302 and "/login" in page.headers["Location"] and api.status_code == 401


def token(app: Any, username: str, password: str = DEMO_PASSWORD) -> Any:
    return app.test_client().post("/api/auth/token", json={"username": username, "password": password})


def me(app: Any, plain: str) -> int:
    return app.test_client().get("/api/me", headers={"Authorization": f"Bearer {plain}"}).status_code


def test_a_replayed_cookie_is_dead_after_logout(app: Any) -> None:
    client, csrf_token = logged_in(app, "hc_submitter")
    replay = copy_of(app, client)
    assert replay.get("/api/me").get_json()["username"] == "hc_submitter"  # the copy works while the login lives
    with app.extensions["appraisal.sessions"]() as s:  # the cookie holds an id whose digest only the server has
        assert s.scalar(select(BrowserSession.revoked_at).join(User).where(User.username == "hc_submitter")) is None
    assert client.post("/logout", data={"csrf_token": csrf_token}).status_code == 302
    assert logged_out(client)
    assert logged_out(replay)  # logged out on the server: the copied cookie is worth nothing
    with app.extensions["appraisal.sessions"]() as s:
        assert s.scalar(select(BrowserSession.revoked_at).join(User).where(User.username == "hc_submitter"))


def test_a_password_change_ends_every_other_token_and_login_and_this_one_continues(app: Any) -> None:
    here, here_csrf = logged_in(app, "hc_submitter")
    elsewhere, _ = logged_in(app, "hc_submitter")
    neighbour, _ = logged_in(app, "hc_leader")  # someone else's login is not touched
    old_tokens = [token(app, "hc_submitter").get_json()["token"] for _ in range(2)]
    assert all(me(app, t) == 200 for t in old_tokens)

    page = here.get("/account/password").get_data(as_text=True)
    assert "修改密码" in page and "当前密码" in page
    assert re.search(r'href="/account/password"', here.get("/").get_data(as_text=True))  # linked from the header
    for form, field in (({"current_password": "wrong-pass-2026", "new_password": NEW_PASSWORD,
                          "repeat_password": NEW_PASSWORD}, "current_password"),
                        ({"current_password": DEMO_PASSWORD, "new_password": "short1",
                          "repeat_password": "short1"}, "new_password"),
                        ({"current_password": DEMO_PASSWORD, "new_password": "onlyletterspassword",
                          "repeat_password": "onlyletterspassword"}, "new_password"),
                        ({"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
                          "repeat_password": NEW_PASSWORD + "x"}, "repeat_password")):
        r = here.post("/account/password", data={"csrf_token": here_csrf, **form})
        assert r.status_code == 422 and f'data-field="{field}"' in r.get_data(as_text=True), (form, r.status_code)
    assert str(PASSWORD_RULE) in r.get_data(as_text=True)
    assert token(app, "hc_submitter").status_code == 201 and all(me(app, t) == 200 for t in old_tokens)  # unchanged

    r = here.post("/account/password", data={"csrf_token": here_csrf, "current_password": DEMO_PASSWORD,
                                             "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert r.status_code == 302
    assert "密码已修改" in here.get(r.headers["Location"]).get_data(as_text=True)
    assert here.get("/api/me").get_json()["username"] == "hc_submitter"  # the login it was changed in continues
    assert logged_out(elsewhere)
    assert all(me(app, t) == 401 for t in old_tokens)
    assert neighbour.get("/api/me").status_code == 200
    assert token(app, "hc_submitter").status_code == 401  # the old password no longer logs in
    assert token(app, "hc_submitter", NEW_PASSWORD).status_code == 201

    # the API: the token it is called with continues, every other token and login ends
    api_token = token(app, "hc_submitter", NEW_PASSWORD).get_json()["token"]
    other_token = token(app, "hc_submitter", NEW_PASSWORD).get_json()["token"]
    weak = app.test_client().post("/api/me/password", json={"current_password": NEW_PASSWORD, "new_password": "1234567890"},
                                  headers={"Authorization": f"Bearer {api_token}"})
    assert weak.status_code == 422 and weak.get_json()["errors"][0]["field"] == "new_password"
    r = app.test_client().post("/api/me/password", json={"current_password": NEW_PASSWORD,
                                                          "new_password": NEW_PASSWORD + "!"},
                               headers={"Authorization": f"Bearer {api_token}"})
    assert r.status_code == 204, r.get_data(as_text=True)
    assert me(app, api_token) == 200 and me(app, other_token) == 401
    assert logged_out(here)
    # and with the session cookie (the pages' scripts): its CSRF header, then this login continues
    browser, browser_csrf = logged_in_with(app, "hc_submitter", NEW_PASSWORD + "!")
    body = {"current_password": NEW_PASSWORD + "!", "new_password": NEW_PASSWORD}
    assert browser.post("/api/me/password", json=body).status_code == 403
    assert browser.post("/api/me/password", json=body, headers={"X-CSRF-Token": browser_csrf}).status_code == 204
    assert browser.get("/api/me").status_code == 200 and me(app, api_token) == 401


def logged_in_with(app: Any, username: str, password: str) -> tuple[Any, str]:
    client = app.test_client()
    r = client.post("/login", data={"csrf_token": csrf(client), "username": username, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client, csrf(client, "/notifications")


def test_deactivating_an_account_revokes_every_token_and_login_for_good(app: Any) -> None:
    browser, _ = logged_in(app, "hc_submitter")
    plain = Api(app).login("hc_submitter")
    api = Api(app)
    with app.extensions["appraisal.sessions"]() as s:
        person_id = s.scalar(select(User.id).where(User.username == "hc_submitter"))
    # the office deactivates the account (main's one path: PATCH the person)
    api.call("PATCH", f"/api/users/{person_id}", "res_office1", 200, json={"is_active": False})
    with app.extensions["appraisal.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(BrowserSession).where(
            BrowserSession.user_id == person_id, BrowserSession.revoked_at.is_(None))) == 0
        assert s.scalar(select(func.count()).select_from(ApiToken).where(
            ApiToken.user_id == person_id, ApiToken.revoked_at.is_(None))) == 0
    assert logged_out(browser) and me(app, plain) == 401
    assert token(app, "hc_submitter").status_code == 401
    with app.extensions["appraisal.sessions"]() as s:  # reactivated later: the old credentials stay dead
        s.scalar(select(User).where(User.username == "hc_submitter")).is_active = True
        s.commit()
        uid = s.scalar(select(User.id).where(User.username == "hc_submitter"))
        assert s.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == uid))
    assert logged_out(browser) and me(app, plain) == 401
    assert logged_in(app, "hc_submitter")[0].get("/api/me").status_code == 200  # a new login works
