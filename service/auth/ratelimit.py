"""Login rate limits (Flask-Limiter), per client address and per username.

Counted in Redis when ``REDIS_URL`` is set, so every gunicorn worker (and every
web server on that Redis) shares one count; in process memory in the embedded
mode. Each app gets its own ``Limiter`` (``init``), attached by endpoint name to
the two logins (``POST /api/auth/token``, the login form) and the two password
changes (they check the current password, so they are a login too). A refused
request is a 429 with ``Retry-After`` (``retry_after()``; the error handlers
shape it: problem+json for the API, a page in the reader's language).

Limits, per clock window of one minute from the first attempt:
- per username: ``LOGIN_ATTEMPTS_PER_MINUTE``, whatever address it comes from, shared by both logins;
- per client address: ``LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE`` failed attempts (401, or 422 for a wrong current
  password), whatever usernames it tries: people behind one NAT who log in successfully do not use it up;
- a password change: the username limit, keyed by the credential it is sent with.

Objections to a public notice (公示; the form and ``POST /api/public/objections``, no login) are limited per
client address to ``OBJECTIONS_PER_HOUR`` attempts per clock hour.
"""
from __future__ import annotations

import hashlib
import math
import time
import weakref
from typing import Any

from flask import Flask, g, request, session
from flask_limiter import Limiter, RequestLimit

from service.catalogue import N_, _
from service.config import Settings

LOGINS = ("auth.issue", "web.login")
PASSWORD_CHANGES = ("auth.change_password", "web.account_password")
OBJECTIONS = ("public_notices.file_objection", "web.notice_objection")
MESSAGE = N_("登录尝试过多，请 {seconds} 秒后再试")
OBJECTION_MESSAGE = N_("提交异议过于频繁，请 {seconds} 秒后再试")
_memory: "weakref.WeakSet[Limiter]" = weakref.WeakSet()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def client_address() -> str:
    return "address:" + (request.remote_addr or "unknown")


def attempted_username() -> str:
    """The username a login tries (JSON body or form), hashed: usernames never appear in Redis keys."""
    data = request.get_json(silent=True) if request.is_json else None
    name = data.get("username") if isinstance(data, dict) else request.form.get("username")
    return "username:" + _digest(name.strip() if isinstance(name, str) else "")


def credential() -> str:
    """The credential a password change is sent with (bearer token or browser login)."""
    header = request.headers.get("Authorization", "")
    sid = session.get("sid")
    return "credential:" + _digest(header if header.lower().startswith("bearer ") else str(sid or request.remote_addr))


def _failed(response: Any) -> bool:
    """An attempt that counts against the client address: a wrong password (or an unknown user)."""
    return response.status_code in (401, 422)


def _remember_retry_after(limit: RequestLimit) -> None:
    """on_breach: how long until the breached window ends (the longest, if several)."""
    # Redis's TTL is whole seconds, so the reset may round past the window: never ask for more than one window.
    seconds = max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))
    g.ratelimit_retry_after = max(seconds, g.get("ratelimit_retry_after", 0))


def retry_after() -> int:
    """Seconds the client should wait, for the 429 this request is answered with."""
    return int(g.get("ratelimit_retry_after", 60))


def message(seconds: int) -> str:
    if request and request.endpoint in OBJECTIONS:
        return _(OBJECTION_MESSAGE, seconds=seconds)
    return _(MESSAGE, seconds=seconds)


def init(app: Flask, settings: Settings) -> Limiter:
    """The app's limiter, with the login limits attached (after the blueprints are registered)."""
    limiter = Limiter(client_address, storage_uri=settings.redis_url or "memory://", strategy="fixed-window",
                      key_prefix="appraisal", headers_enabled=False, on_breach=_remember_retry_after,
                      in_memory_fallback_enabled=True)  # Redis gone: each worker still limits on its own
    limiter.init_app(app)
    per_username = f"{settings.login_attempts_per_minute}/minute"
    per_address = f"{settings.login_attempts_per_address_per_minute}/minute"

    def attach(endpoints: tuple[str, ...], scope: str, key: Any) -> None:
        for endpoint in endpoints:  # decorated limits are checked by the wrapper, when the view is called
            view = limiter.shared_limit(per_username, scope=scope, key_func=key, methods=["POST"])(
                app.view_functions[endpoint])
            app.view_functions[endpoint] = limiter.shared_limit(per_address, scope="login-address",
                                                                key_func=client_address, methods=["POST"],
                                                                deduct_when=_failed)(view)

    attach(LOGINS, "login-username", attempted_username)
    attach(PASSWORD_CHANGES, "password-credential", credential)
    per_hour = f"{settings.objections_per_hour}/hour"
    for endpoint in OBJECTIONS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = limiter.shared_limit(per_hour, scope="objection-address",
                                                                key_func=client_address, methods=["POST"])(
                app.view_functions[endpoint])
    if not settings.redis_url:
        _memory.add(limiter)
    return limiter


def reset() -> None:
    """Forget every in-memory count (tests); counts kept in Redis are never flushed from here."""
    for limiter in list(_memory):
        limiter.reset()
