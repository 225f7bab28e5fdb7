"""Security headers on every response, and user-supplied files that a browser never runs.

The class test walks the URL map: every rule, every method, anonymous and logged in (pages, API, static
files, downloads, errors, unknown paths, an unexpected exception), so a new route cannot ship without them.
"""
from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import select

from service.models import Attachment, ProcessDefinition
from service.web.headers import PAGE_CSP
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

PDF = b"%PDF-1.4\n%%EOF\n"
TEMPLATES = Path(__file__).resolve().parents[2] / "service" / "web" / "templates"


def _directives(csp: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: (part.strip() + " ").split(" ", 1)[1].strip()
            for part in csp.split(";") if part.strip()}


def check_headers(response: Any, where: str) -> None:
    """The headers every response carries; pages get the page policy, anything else an inert one."""
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert csp, f"{where}: no Content-Security-Policy"
    d = _directives(csp)
    assert d.get("frame-ancestors") == "'none'", (where, csp)
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer"), where
    assert h.get("X-Frame-Options") == "DENY", where
    if response.mimetype == "text/html":
        scripts = d.get("script-src", d.get("default-src", ""))
        assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts, \
            (where, csp)
        assert d.get("object-src") == "'none'" and d.get("base-uri") == "'none'", (where, csp)
    else:  # JSON, XML, files: opened in a browser, nothing loads and nothing runs
        assert d.get("default-src") == "'none'" and "sandbox" in d, (where, response.mimetype, csp)


def _paths(app: Any, ids: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for name in rule.arguments:
            # a parameter this test does not know yet still gets an answer (a 404 carries the headers too)
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", ids.get(name, "1"), path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def test_every_route_answers_with_the_security_headers(sqlite_app: Any) -> None:
    app = sqlite_app

    @app.get("/__boom")
    def boom() -> str:
        raise RuntimeError("an unexpected error")

    api = Api(app)
    draft = flows.create(api, "hc_submitter")["id"]
    task = api.task_for("hc_submitter", "fill_application", draft)["id"]
    submitter, token = logged_in(app, "hc_submitter")
    assert submitter.post(f"/applications/{draft}/attachments", content_type="multipart/form-data",
                          data={"csrf_token": token, "file": (BytesIO(PDF), "证明.pdf")}).status_code == 302
    with app.extensions["appraisal.sessions"]() as s:
        attachment = s.scalar(select(Attachment.id))
        definition = s.scalar(select(ProcessDefinition).order_by(ProcessDefinition.id))
        definition_id, key = definition.id, definition.key
    ids = {"application_id": str(draft), "task_id": str(task), "definition_id": str(definition_id),
           "instance_id": "1", "campaign_id": "1", "attachment_id": str(attachment), "key": key, "code": "en",
           "filename": "app.js"}
    routes = _paths(app, ids)
    routes += [("GET", "/no/such/page"), ("GET", "/api/no/such/thing"), ("GET", "/static/no-such-file.js"),
               ("DELETE", "/login"), ("GET", "/applications/999999"), ("GET", "/api/applications/999999")]
    clients = {"anonymous": app.test_client(), "hc_submitter": submitter, "res_office1": logged_in(app, "res_office1")[0],
               "process_admin": logged_in(app, "process_admin")[0]}
    statuses: set[int] = set()
    mimetypes: set[str] = set()
    for who, client in clients.items():
        for method, path in routes:
            if method != "GET" and who != "anonymous":
                continue  # writes are refused for want of a CSRF token: the anonymous pass covers their errors
            if path == "/__boom" and who != "anonymous":
                continue
            r = client.open(path, method=method, headers={"Accept": "text/html"})
            check_headers(r, f"{who} {method} {path} → {r.status_code}")
            statuses.add(r.status_code // 100 * 100 if r.status_code >= 300 else r.status_code)
            mimetypes.add(r.mimetype)
        bearer = api.client.get("/api/me", headers={"Authorization": f"Bearer {api.login('res_office1')}"})
        check_headers(bearer, "bearer GET /api/me")
    # the walk met pages, JSON, problems, XML, files, redirects, client and server errors
    assert {200, 300, 400, 500} <= statuses, statuses
    assert {"text/html", "application/json", "application/problem+json", "application/xml", "application/pdf",
            "text/javascript"} <= mimetypes, mimetypes


def test_uploaded_bpmn_and_attachments_are_never_served_as_active_documents(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    draft = flows.create(api, "hc_submitter")["id"]
    submitter, token = logged_in(app, "hc_submitter")
    submitter.post(f"/applications/{draft}/attachments", content_type="multipart/form-data",
                   data={"csrf_token": token, "file": (BytesIO(PDF), "证明.pdf")})
    with app.extensions["appraisal.sessions"]() as s:
        attachment = s.scalar(select(Attachment.id))
        definition_id = s.scalar(select(ProcessDefinition.id))
    admin, _ = logged_in(app, "process_admin")
    for client, path in ((admin, f"/api/process-definitions/{definition_id}/xml"),
                         (api.client, f"/api/process-definitions/{definition_id}/xml"),
                         (submitter, f"/attachments/{attachment}")):
        headers = {"Authorization": f"Bearer {api.login('process_admin')}"} if client is api.client else {}
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers["Content-Disposition"].startswith("attachment;"), (path, r.headers)
        d = _directives(r.headers["Content-Security-Policy"])
        assert d.get("default-src") == "'none'" and "sandbox" in d, (path, r.headers)
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_secure_cookies_behind_tls_are_a_setting(tmp_path: Path, sqlite_template: Path, december_clock: Any) -> None:
    import shutil

    from service import create_app
    from service.config import Settings

    assert Settings.from_env({}).session_cookie_secure is False
    assert Settings.from_env({"SESSION_COOKIE_SECURE": "1"}).session_cookie_secure is True
    shutil.copy(sqlite_template, tmp_path / "app.db")
    for secure in (False, True):
        app = create_app(Settings.from_env({"SECRET_KEY": "x", "SESSION_COOKIE_SECURE": "1" if secure else "0"},
                                           database_url=f"sqlite:///{tmp_path / 'app.db'}"))
        cookie = app.test_client().get("/login").headers.get("Set-Cookie", "")
        assert ("; Secure" in cookie) is secure, cookie
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
        app.extensions["appraisal.db_engine"].dispose()


def test_no_template_needs_inline_script_or_style() -> None:
    """What the page policy would block: inline scripts, event-handler attributes, javascript: URLs, style attributes."""
    assert "'unsafe-inline'" not in PAGE_CSP
    offences = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text, re.I):
            attrs = m.group(1)
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                offences.append(f"{path.name}: inline <script{attrs}>")
        for pattern, what in ((r"\son[a-z]+\s*=", "event-handler attribute"), (r"javascript:", "javascript: URL"),
                              (r"\sstyle\s*=", "style attribute"), (r"<style\b", "<style> element")):
            offences += [f"{path.name}: {what}" for _ in re.finditer(pattern, text, re.I)]
    assert not offences, offences
