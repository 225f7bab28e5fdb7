"""Browser sessions: who is logged in, the CSRF token, and the checks every request passes."""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from flask import Flask, current_app, g, json, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.catalogue import _
from service.auth import logins

if TYPE_CHECKING:  # types only: routes and pages never touch tables (import contract)
    from service.models import User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
csrf = CSRFProtect()  # WTF_CSRF_CHECK_DEFAULT is off: check_csrf below decides when it applies


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the signing serializer built once per set of keys.

    Flask builds (and itsdangerous test-serializes with) a new one on every
    request, which every API call paid, bearer-token calls included, although
    they never use the session. Cookies, keys, salt and signatures are unchanged.
    """

    def __init__(self) -> None:
        self._serializer: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._serializer
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


def db() -> Session:
    """The request's database session (the same one the API helpers use)."""
    if "db" not in g:
        g.db = current_app.extensions["appraisal.sessions"]()
    return g.db


def session_user() -> User | None:
    """The user logged in through the browser session, or None (also the API's cookie loader).

    The cookie names a login kept on the server (``service.auth.logins``): logged out,
    revoked or expired there, the cookie is worth nothing, wherever it was copied to.
    """
    if "web_user" in g:
        return g.web_user
    user = None
    sid = session.get("sid")
    if isinstance(sid, str):
        user = logins.user_for(db(), sid)
        if user is None:
            session.clear()
    elif "uid" in session:  # a cookie from before logins were kept on the server
        session.clear()
    g.web_user = user
    return user


def current_login() -> str | None:
    """The plain id of this browser's login (to keep it when the password is changed here)."""
    sid = session.get("sid")
    return sid if isinstance(sid, str) and session_user() is not None else None


def login(user: User) -> None:
    """Start a server-side login for ``user`` in a fresh cookie session (committed)."""
    session.clear()
    session.permanent = True
    session["sid"] = logins.start(db(), user, current_app.extensions["appraisal.settings"].session_ttl)
    db().commit()


def logout() -> None:
    """End this browser's login on the server (committed) and forget it here; the language choice stays."""
    sid = session.get("sid")
    if isinstance(sid, str):
        logins.end(db(), sid)
        db().commit()
    chosen = session.get("lang")
    session.clear()
    g.pop("web_user", None)
    if chosen:
        session["lang"] = chosen


def csrf_token() -> str:
    """This session's CSRF token for a form or the X-CSRF-Token header (Flask-WTF: signed, tied to the session)."""
    return generate_csrf()


def check_csrf() -> Response | None:
    """Before every request (Flask-WTF's check, our rule of when it applies).

    Form POSTs need the hidden token; API writes made with the session cookie need it in
    ``X-CSRF-Token``; bearer-token requests carry no ambient credential and are exempt, as are
    API requests without a login (they can only be refused) and static files.
    """
    if request.method in SAFE_METHODS or request.path.startswith("/static"):
        return None
    api = request.path.startswith("/api")
    if api and (request.headers.get("Authorization", "").lower().startswith("bearer ") or session.get("sid") is None):
        return None
    try:
        csrf.protect()
    except CSRFError as exc:
        if api:
            body = {"type": "about:blank", "title": "Forbidden", "status": 403, "instance": request.path,
                    "detail": f"a cookie-authenticated request must send this session's X-CSRF-Token header "
                              f"({exc.description})"}
            return Response(json.dumps(body), status=403, mimetype="application/problem+json")
        if request.endpoint == "web.login":
            return redirect(url_for("web.login", expired=1))
        return Response(_("页面已过期，请刷新后重试"), status=400, mimetype="text/plain")
    return None


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = session_user()
        if user is None:
            return redirect(url_for("web.login", next=request.full_path if request.method == "GET" else None))
        g.user = user
        return view(*args, **kwargs)

    return wrapper


def user() -> User:
    return g.user
