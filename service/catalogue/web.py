"""The catalogue in Flask: Flask-Babel chooses a request's locale (the session's choice, else
Accept-Language, else Chinese) and serves the in-memory translations; templates get ``_``,
``ngettext`` and the ``name_of`` filter (``{{ code|name_of("status") }}``)."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale

from service import catalogue
from service.catalogue import LOCALES, _, name_of, ngettext, translations

SESSION_KEY = "lang"


class _Catalogue(Domain):
    """Flask-Babel's domain, answered from the ``.po`` files compiled in memory (no ``.mo`` on disk)."""

    def get_translations(self) -> Any:
        return translations(catalogue.current_locale())


def select_locale() -> str:
    chosen = session.get(SESSION_KEY)
    if chosen in ("zh-CN", "en"):
        return catalogue.normalise(chosen)
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return catalogue.normalise(best)


def _request_locale() -> str | None:
    if not has_request_context():
        return None
    if "babel" not in current_app.extensions:  # an app built without init_app (a unit test's bare Flask)
        return select_locale()
    return str(get_locale())


catalogue.set_request_locale(_request_locale)  # any Flask request, once this module is imported


def init_app(app: Flask) -> None:
    babel = Babel(app, locale_selector=select_locale, default_locale=catalogue.DEFAULT_LOCALE, configure_jinja=False)
    babel.__dict__["domain_instance"] = _Catalogue()  # flask_babel.gettext answers from the same catalogue
    app.jinja_env.globals.update(_=_, ngettext=ngettext, name_of=name_of, html_lang=catalogue.html_lang,
                                 translated=catalogue.translated)
    app.jinja_env.filters["name_of"] = lambda code, kind: name_of(kind, code)


__all__ = ["init_app", "select_locale", "LOCALES"]
