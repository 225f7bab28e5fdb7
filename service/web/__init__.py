"""Pages for people: login, inbox, task forms, scoring, the office's dashboard and the BPMN modeler.

``register`` is called by the app factory. The browser's signed session cookie
names a login kept on the server (``service.auth.logins``); its scripts call
``/api/*`` with that cookie (the session loader below) and an ``X-CSRF-Token``
header. CSRF tokens are Flask-WTF's (``security.check_csrf`` says where they apply).
"""
from __future__ import annotations

from flask import Flask

from service.web import security
from service.web.blueprint import bp, error_page


def register(app: Flask) -> None:
    from service.web import (  # noqa: F401  (routes attach to bp)
        account, admin, campaign_pages, lists, meetings, migration_pages, notice_pages, office, org, pages,
        scoring_pages,
    )

    app.extensions["appraisal.session_user"] = security.session_user
    app.extensions["appraisal.session_login"] = security.current_login
    # A page path that matches no route (or not this method) gets a page, not werkzeug's English text.
    app.extensions["appraisal.page_error"] = lambda exc, detail=None: error_page(exc.code or 500, detail)
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_HEADERS=["X-CSRF-Token"],
                      # a form stays valid as long as a login may last (the token is tied to the session anyway)
                      WTF_CSRF_TIME_LIMIT=int(app.extensions["appraisal.settings"].session_ttl.total_seconds()))
    security.csrf.init_app(app)
    app.before_request(security.check_csrf)
    app.register_blueprint(bp)
