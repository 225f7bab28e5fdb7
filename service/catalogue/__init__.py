"""One catalogue of user-facing text (gettext): ``_("中文")`` gives the text in the current locale.

The msgid is the Chinese text itself, so templates and code read as the page does; the English comes
from ``translations/en/LC_MESSAGES/messages.po``. The ``.po`` files are compiled in memory when first
used (nothing binary is committed). The locale is, in this order: the innermost ``with locale(...)``
block (Celery jobs, notifications to a recipient), the request's (set by ``service.catalogue.web``),
else Simplified Chinese. ``name_of(kind, code)`` names a code from the one table of its kind in
``codes.py``. This package imports nothing of the service above it, so every layer may use it.
"""
from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Callable, Iterator

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

__all__ = ["LOCALES", "DEFAULT_LOCALE", "N_", "_", "_l", "ngettext", "name_of", "locale", "current_locale",
           "normalise", "msgids", "on_miss", "html_lang", "translated", "stored", "shown", "LazyText"]

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
_log = logging.getLogger(__name__)

_forced: contextvars.ContextVar[str | None] = contextvars.ContextVar("catalogue_locale", default=None)
_request_locale: Callable[[], str | None] = lambda: None
_miss_handler: Callable[[str, str], None] | None = None


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is stored, not shown (code tables, message keys)."""
    return message


def normalise(tag: str | None) -> str:
    """``en``, ``en-GB``, ``en_US`` → ``en``; anything else (``zh-CN``, ``zh``, None) → ``zh_CN``."""
    t = (tag or "").strip().replace("-", "_").lower()
    return "en" if t == "en" or t.startswith("en_") else DEFAULT_LOCALE


def html_lang(tag: str | None = None) -> str:
    """The BCP 47 tag for ``<html lang>`` and the session (``zh-CN`` / ``en``)."""
    return "en" if normalise(tag or current_locale()) == "en" else "zh-CN"


def current_locale() -> str:
    forced = _forced.get()
    if forced:
        return forced
    return normalise(_request_locale())


def set_request_locale(provider: Callable[[], str | None]) -> None:
    """The web layer tells the catalogue how to read a request's locale (this package imports no Flask)."""
    global _request_locale
    _request_locale = provider


@contextmanager
def locale(tag: str | None) -> Iterator[str]:
    """Text inside the block is in ``tag``'s language (a recipient's, a job's), whatever the request says."""
    token = _forced.set(normalise(tag))
    try:
        yield _forced.get() or DEFAULT_LOCALE
    finally:
        _forced.reset(token)


def on_miss(handler: Callable[[str, str], None] | None) -> Callable[[str, str], None] | None:
    """Install what happens when a msgid or a code is not in the catalogue (tests fail; production logs).
    Returns the previous handler."""
    global _miss_handler
    previous, _miss_handler = _miss_handler, handler
    return previous


def _missed(what: str, detail: str) -> None:
    if _miss_handler is not None:
        _miss_handler(what, detail)
    else:
        _log.warning("catalogue: %s not in the catalogue: %r", what, detail)


@lru_cache(maxsize=None)
def _catalog(tag: str):  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / tag / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=tag)


@lru_cache(maxsize=None)
def translations(tag: str) -> Translations:
    """The locale's ``.po`` compiled in memory into a GNUTranslations object."""
    buffer = BytesIO()
    write_mo(buffer, _catalog(tag))
    buffer.seek(0)
    return Translations(fp=buffer)


@lru_cache(maxsize=1)
def msgids() -> frozenset[str]:
    """Every msgid of the catalogue (the English file names them all)."""
    return frozenset(m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("en") if m.id)


def _format(text: str, kw: dict[str, Any]) -> str:
    return text.format(**kw) if kw else text


def _(message: str, /, **kw: Any) -> str:
    """``message`` (the Chinese msgid) in the current locale, with ``{name}`` placeholders filled from ``kw``."""
    if message not in msgids():
        _missed("msgid", message)
        return _format(message, kw)
    tag = current_locale()
    text = message if tag == DEFAULT_LOCALE else translations(tag).gettext(message)
    return _format(text, kw)


def translated(message: str) -> str:
    """``message`` in the current locale when the catalogue has it, else as written: the titles of a form
    a process administrator deployed (the bundled forms' titles are all msgids; tests check it)."""
    if message not in msgids() or current_locale() == DEFAULT_LOCALE:
        return message
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int, /, **kw: Any) -> str:
    """Chinese has one form (the singular msgid); English chooses by ``n``. ``{n}`` is filled in."""
    kw.setdefault("n", n)
    if singular not in msgids():
        _missed("msgid", singular)
        return _format(singular, kw)
    tag = current_locale()
    if tag == DEFAULT_LOCALE:
        return _format(singular, kw)
    entry = _catalog(tag).get(singular)
    if entry is not None and entry.pluralizable:
        text = translations(tag).ngettext(singular, plural, n)
    else:  # a msgid translated without plural forms
        text = translations(tag).gettext(singular)
    return _format(text, kw)


class LazyText:
    """A msgid translated when it is shown (module-level tables, form titles defined at import time)."""

    __slots__ = ("message", "kw")

    def __init__(self, message: str, /, **kw: Any) -> None:
        self.message, self.kw = message, kw

    def __str__(self) -> str:
        return _(self.message, **self.kw)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"_l({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def format(self, *args: Any, **kw: Any) -> str:
        return str(self).format(*args, **kw)


def _l(message: str, /, **kw: Any) -> LazyText:
    return LazyText(message, **kw)


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def stored(message: object) -> dict[str, Any]:
    """A message to keep in the database and show later in its reader's language: a lazy msgid (``_l``)
    as ``{"msgid", "params"}``, any other text as ``{"text"}`` (an engine's or a library's own words)."""
    if isinstance(message, LazyText):
        return {"msgid": message.message, "params": {k: _plain(v) for k, v in message.kw.items()}}
    return {"text": str(message)}


def shown(value: Any) -> str:
    """A message kept by ``stored`` in the current locale ("" for none)."""
    if isinstance(value, dict) and isinstance(value.get("msgid"), str):
        return _(value["msgid"], **(value.get("params") or {}))
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return "" if value is None else str(value)


def name_of(kind: str, code: object) -> str:
    """The display name of ``code`` in the current locale, from the one table of ``kind`` (``codes.py``).
    An empty code is ""; an unknown kind or code is reported (a test fails) and shown as it is."""
    from service.catalogue.codes import CODES
    if code is None or code == "":
        return ""
    table = CODES.get(kind)
    if table is None:
        _missed("code table", kind)
        return str(code)
    msgid = table.get(str(code))
    if msgid is None:
        _missed(f"code of {kind}", str(code))
        return str(code)
    return _(msgid)
