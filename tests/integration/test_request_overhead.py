"""What a request costs around its use case: no statements after the commit, no cookie work for bearer calls."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from service.demo.baoding import DEMO_PASSWORD, SCORER_USERNAMES
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import csrf


@pytest.mark.postgres
def test_completing_a_task_runs_nothing_after_its_commit(pg_app: Any) -> None:
    """The response is built from the committed rows as they are: no refresh, no lazy load."""
    api = Api(pg_app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    user = next(u for u in SCORER_USERNAMES
                if any(t["element_id"] == "democratic_scoring" for t in api.tasks(u, application_id=app_id)))
    task = api.task_for(user, "democratic_scoring", app_id)
    api.login(user)
    seen: list[str] = []
    engine = pg_app.extensions["appraisal.db_engine"]

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql.split(None, 1)[0].upper())

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        done = api.post(f"/api/tasks/{task['id']}/complete", user, json={"confirm": True, "score": {"criteria": {
            "innovation": 80, "effectiveness": 80, "promotion": 80, "recognition": 80, "standardization": 80}}})
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert done["state"] == "completed" and done["completed_at"]
    assert seen.count("COMMIT") == 1 and seen[-1] == "COMMIT", seen


def test_bearer_calls_get_no_cookie_and_browser_logins_still_do(sqlite_app: Any) -> None:
    api = Api(sqlite_app)
    r = api.call("GET", "/api/me", "hc_submitter", expect=200)
    assert "Set-Cookie" not in r.headers and "Cookie" not in r.headers.get("Vary", "")

    browser = sqlite_app.test_client()
    assert browser.get("/login").status_code == 200
    cookie = browser.get_cookie("session")
    assert cookie is not None
    assert "csrf_token" in sqlite_app.session_interface.get_signing_serializer(sqlite_app).loads(cookie.value)
    token = csrf(browser)  # the login form's token (Flask-WTF signs the session's secret)
    login = browser.post("/login", data={"username": "hc_submitter", "password": DEMO_PASSWORD, "csrf_token": token})
    assert login.status_code in (302, 303), login.get_data(as_text=True)[:300]
    assert browser.get("/api/me").get_json()["username"] == "hc_submitter"


def test_signing_serializer_is_built_once_per_secret_key(sqlite_app: Any) -> None:
    sessions = sqlite_app.session_interface
    first = sessions.get_signing_serializer(sqlite_app)
    assert sessions.get_signing_serializer(sqlite_app) is first
    signed = first.dumps({"uid": 1})
    sqlite_app.secret_key = "rotated-secret"
    sqlite_app.config["SECRET_KEY_FALLBACKS"] = ["test-secret"]
    rotated = sessions.get_signing_serializer(sqlite_app)
    assert rotated is not first
    assert rotated.loads(signed) == {"uid": 1}  # an old cookie still opens under the fallback key
    assert rotated.dumps({"uid": 1}) != signed
