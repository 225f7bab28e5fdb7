"""Guarantees of the pages and the API that a plausible bug would break: each test here fails on one.

- a wrong (not only a missing) CSRF token is refused on every form and on cookie-authenticated API writes, also one
  of the right shape (signed by the server for another secret, this secret signed with another key or too long ago,
  the token from before the login);
- attachments: only the unit's submitter, only while the application is with the unit, served sandboxed;
- an unreachable database is a 503 with ``Retry-After`` on every operation that needs it.
"""
from __future__ import annotations

import secrets
import time
from io import BytesIO
from unittest import mock
from typing import Any

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from service import create_app
from service.models import Application, Attachment
from tests.api_client import Api
from tests.conftest import _settings
from tests.integration import flows
from tests.web_client import csrf, logged_in

PDF = b"%PDF-1.4\n%%EOF\n"


def _count(app: Any, model: Any) -> int:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(model))


def _wrong_tokens_of_the_right_shape(app: Any, client: Any, token: str, before_login: str) -> list[str]:
    """Tokens that look like this session's (Flask-WTF: the session's secret, timestamped and signed) but are not."""
    raw = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)["csrf_token"]
    signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    assert signer.loads(token) == raw  # the shape: what the server issues
    with mock.patch("itsdangerous.timed.time.time", return_value=time.time() - 10 * 24 * 3600):
        expired = signer.dumps(raw)  # this session's secret, signed ten days ago
    return [
        signer.dumps(secrets.token_hex(20)),  # signed with the server's key, for a secret no session holds
        URLSafeTimedSerializer("another-key", salt="wtf-csrf-token").dumps(raw),  # this secret, the wrong key
        expired,
        before_login,  # the login form's token: a login starts a new session secret
    ]


def test_a_wrong_csrf_token_is_refused_on_every_form_and_cookie_write(sqlite_app: Any) -> None:
    app = sqlite_app
    client = app.test_client()
    before_login = csrf(client)
    assert client.post("/login", data={"csrf_token": before_login, "username": "hc_submitter",
                                       "password": "demo-pass-2026"}).status_code == 302
    token = csrf(client, "/notifications")
    _, someone_elses = logged_in(app, "hy_submitter")
    assert someone_elses != token
    right_shape = _wrong_tokens_of_the_right_shape(app, client, token, before_login)
    api = Api(app)
    draft = flows.create(api, "hc_submitter")["id"]
    task = api.task_for("hc_submitter", "fill_application", draft)["id"]
    ids = {"application_id": str(draft), "task_id": str(task), "definition_id": "1", "instance_id": "1",
           "campaign_id": "1", "attachment_id": "1", "unit_id": "1", "person_id": "1", "import_id": "1",
           "token": "a-one-time-link", "incident_id": "1", "objection_id": "1", "session_id": "1"}
    posts = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()) and not rule.rule.startswith(("/api", "/static")):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", ids[name]).replace(f"<{name}>", ids[name])
            posts.append(path)
    assert "/applications/new" in posts and "/logout" in posts
    applications_before = _count(app, Application)
    for wrong in (secrets.token_urlsafe(32), someone_elses, token[:-1] + ("A" if token[-1] != "A" else "B"),
                  *right_shape):
        for path in posts:
            data = {"csrf_token": wrong, "action": "save", "theme": "伪造的请求", "username": "hc_submitter",
                    "password": "demo-pass-2026"}
            r = client.post(path, data=data)
            if path == "/login":  # sends the visitor back to a fresh login form, never logs in
                assert r.status_code in (302, 400, 403) and "expired" in r.headers.get("Location", "expired"), r
            else:
                assert 400 <= r.status_code < 500, (path, wrong, r.status_code)
        r = client.post("/api/applications", json={"campaign_id": 1, **flows.GOOD_APPLICATION},
                        headers={"X-CSRF-Token": wrong})
        assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert client.get("/api/me").get_json()["username"] == "hc_submitter"  # the forged logout did nothing
    assert _count(app, Application) == applications_before
    assert client.post("/api/applications", json={"campaign_id": 1, **flows.GOOD_APPLICATION},
                       headers={"X-CSRF-Token": token}).status_code == 201  # the right token still works


def _upload(client: Any, token: str, app_id: int, name: str = "证明.pdf") -> Any:
    return client.post(f"/applications/{app_id}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (BytesIO(PDF), name)})


def test_only_the_units_submitter_attaches_files_and_only_while_the_application_is_with_the_unit(app: Any) -> None:
    api = Api(app)
    draft = flows.create(api, "hc_submitter")["id"]
    for username in ("hc_leader", "hy_submitter", "hy_leader", "jx_vetter", "lg_member1", "group_leader",
                     "res_office1", "scorer_org", "chair_office", "process_admin"):
        client, token = logged_in(app, username)
        r = _upload(client, token, draft)
        assert r.status_code in (403, 404), (username, r.status_code)
    assert _count(app, Attachment) == 0
    submitter, token = logged_in(app, "hc_submitter")
    assert _upload(submitter, token, draft).status_code == 302
    assert _count(app, Attachment) == 1
    api.complete("hc_submitter", "fill_application", draft, {})  # now with the leader for sign-off
    r = _upload(submitter, token, draft, "晚交的.pdf")
    assert r.status_code == 409, r.status_code
    assert _count(app, Attachment) == 1


def test_an_attachment_is_served_as_a_sandboxed_download(sqlite_app: Any) -> None:
    app = sqlite_app
    draft = flows.create(Api(app), "hc_submitter")["id"]
    client, token = logged_in(app, "hc_submitter")
    assert _upload(client, token, draft).status_code == 302
    with app.extensions["appraisal.sessions"]() as s:
        attachment_id = s.scalar(select(Attachment.id))
    for username in ("hc_submitter", "res_office1"):
        reader, _ = logged_in(app, username) if username != "hc_submitter" else (client, token)
        r = reader.get(f"/attachments/{attachment_id}")
        assert r.status_code == 200 and r.data == PDF
        csp = r.headers.get("Content-Security-Policy", "")
        assert "default-src 'none'" in csp and "sandbox" in csp, csp  # opened anyway, it can run nothing
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Disposition"].startswith("attachment;")


def test_an_unreachable_database_is_a_503_with_retry_after_on_every_operation(tmp_path: Any) -> None:
    """Port 1 refuses connections: every operation that reads the database says 503 and when to retry."""
    app = create_app(_settings("postgresql+psycopg://postgres@127.0.0.1:1/appraisal"))
    client = app.test_client()
    spec = client.get("/api/openapi.json").get_json()
    needs_no_database = {("get", "/api/openapi.json")}
    for path, operations in spec["paths"].items():
        for method in operations:
            if (method, path) in needs_no_database:
                continue
            concrete = path.replace("{id}", "1").replace("{key}", "innovation_appraisal")
            body = {"/api/auth/token": {"username": "hc_submitter", "password": "x"},
                    "/api/auth/password-link": {"token": "a-link", "password": "long-enough-1"},
                    "/api/public/objections": {"notice_id": 1, "item_id": 1, "name": "王建国",
                                               "contact": "13912345678", "reason": "推广范围与申报不符"}}.get(path, {})
            r = client.open(concrete, method=method.upper(), json=body,
                            headers={"Authorization": "Bearer some-token"})
            assert r.status_code == 503, (method, path, r.status_code, r.get_data(as_text=True)[:200])
            assert r.headers.get("Retry-After", "").isdigit(), (method, path, dict(r.headers))
            assert r.mimetype == ("application/json" if path == "/api/health" else "application/problem+json")
    app.extensions["appraisal.db_engine"].dispose()
