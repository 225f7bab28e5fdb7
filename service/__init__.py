"""Appraisal Flow: the Flask application factory."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from service import decoding
from service.config import Settings
from service.extensions import make_engine, make_session_factory
from service.workflows.services import build_services


def create_app(config: Settings | dict[str, Any] | None = None) -> Flask:
    """Build the app from ``Settings`` (or overrides of the environment's settings)."""
    settings = config if isinstance(config, Settings) else Settings.from_env(**(config or {}))
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.session_ttl,
        # The cookie is written only when a request changes it. A login ends at a fixed time on the server
        # (service.auth.logins), so rewriting it on every answer bought nothing, and an answer that was already on
        # its way (a stylesheet, a poll) overwrote a newer choice such as the language with the older cookie.
        SESSION_REFRESH_EACH_REQUEST=False,
        JSON_AS_ASCII=False,
    )
    app.json = decoding.BoundedJSONProvider(app)
    if settings.forwarded_hops:  # behind that many proxies: the client's address and scheme from X-Forwarded-For/-Proto
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.forwarded_hops,  # type: ignore[method-assign]
                                x_proto=settings.forwarded_hops)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    engine = make_engine(settings.database_url)
    app.extensions["appraisal.settings"] = settings
    app.extensions["appraisal.db_engine"] = engine
    app.extensions["appraisal.sessions"] = make_session_factory(engine, settings)
    app.extensions["appraisal.services"] = build_services(settings)

    @app.teardown_appcontext
    def _close_session(_: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    from service import api, web
    from service.catalogue import web as catalogue_web
    from service.web import headers
    from service.web.security import CookieSessions

    app.session_interface = CookieSessions()
    catalogue_web.init_app(app)  # the request's locale and the templates' _(), ngettext and name_of
    headers.register(app, secure_cookies=settings.session_cookie_secure)  # every response, errors and static too
    app.before_request(decoding.check_request)  # first: no view or other check sees text it cannot store
    api.register(app)
    web.register(app)
    from service.auth import ratelimit

    ratelimit.init(app, settings)  # after the blueprints: the login limits attach to their endpoints
    logging.getLogger(__name__).debug("app created for %s", settings.database_url.split("@")[-1])
    return app
