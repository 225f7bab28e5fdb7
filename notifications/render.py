"""Turn a template name, a context and a locale into subject, text and HTML.

Layout of ``notifications/templates/`` (one template per message, in Chinese; every sentence is a msgid of
the catalogue, ``{{ _("…") }}``, which gives the recipient's language)::

    <name>.subject.txt   one line; whitespace is collapsed
    <name>.txt           plain text (e-mail text part, in-app, SMS)
    <name>.html          HTML e-mail part; autoescaped
    _layout.txt|.html    greeting, action link and footer shared by all
    _macros.txt|.html    small helpers (label/value rows)

Files starting with ``_`` are not templates in their own right. Only ``.html``
files are autoescaped: the subject goes into a header and the text part is
plain text, where HTML entities would be visible garbage.

Every template also accepts an optional ``recipient_name`` (the dispatcher fills
it in); without it the greeting is impersonal.
"""
from __future__ import annotations

import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Callable, Mapping, NoReturn

import jinja2
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications.datetimes import format_date, format_datetime, format_overdue
from notifications.errors import TemplateContextError, TemplateNotFound
from notifications.message import Rendered

__all__ = [
    "DEFAULT_LOCALE",
    "SUPPORTED_LOCALES",
    "TEMPLATE_DIR",
    "normalise_locale",
    "render",
    "template_names",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_LOCALE = "zh-CN"
SUPPORTED_LOCALES = ("zh-CN", "en")

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_PARTS = ("subject.txt", "txt", "html")
_UNDEFINED_KEY = (
    re.compile(r"^'([^']+)' is undefined$"),
    re.compile(r"has no attribute '([^']+)'$"),
    re.compile(r"has no element '?([^']+?)'?$"),
)


def normalise_locale(locale: str | None) -> str:
    """Map ``en_US``, ``en-GB``, ``zh``, ``zh_Hans_CN``… onto a supported locale.

    Anything not English falls back to Simplified Chinese, the service's default.
    """
    from service import catalogue  # the one rule for locale tags

    return catalogue.html_lang(locale or DEFAULT_LOCALE)  # "en" or "zh-CN", as the templates' locales


def template_names() -> list[str]:
    """Names of all templates (those present in the default locale)."""
    suffix = ".subject.txt"
    return sorted(
        p.name[: -len(suffix)]
        for p in TEMPLATE_DIR.glob(f"*{suffix}")
        if not p.name.startswith("_")
    )


def render(template: str, context: Mapping[str, Any], locale: str = DEFAULT_LOCALE) -> Rendered:
    """Render all three parts of ``template`` for ``locale``.

    Raises TemplateNotFound for unknown names and TemplateContextError when the
    context lacks a key the template uses or holds a value it cannot format.
    """
    resolved = _resolve_locale(template, normalise_locale(locale))
    env = _environment(resolved)
    where = f"template {template!r} ({resolved})"
    from service import catalogue  # the catalogue of text, loaded when a message is first written

    try:
        with catalogue.locale(resolved):
            subject, text, html = (
                env.get_template(f"{template}.{part}").render(context) for part in _PARTS
            )
    except jinja2.TemplateNotFound as exc:
        raise TemplateNotFound(f"{where}: missing file {exc.name}") from exc
    except jinja2.UndefinedError as exc:
        key = _missing_key(str(exc))
        raise TemplateContextError(f"{where}: missing context key: {exc}", key=key) from exc
    except TemplateContextError as exc:
        raise TemplateContextError(f"{where}: {exc}", key=exc.key) from exc
    except (ValueError, TypeError) as exc:
        raise TemplateContextError(f"{where}: unusable context value: {exc}") from exc
    link = context.get("link")
    return Rendered(
        subject=" ".join(subject.split()),
        text=_tidy_text(text),
        html=html.strip(),
        link=str(link) if link else None,
    )


def _resolve_locale(template: str, locale: str) -> str:
    """The locale the message is written in (the template exists: there is one for every language)."""
    if _NAME.match(template) and (TEMPLATE_DIR / f"{template}.subject.txt").is_file():
        return locale
    raise TemplateNotFound(f"no notification template named {template!r}")


@lru_cache(maxsize=None)
def _environment(locale: str) -> Environment:
    """One environment per locale so the date filters know which format to use."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["datetime"] = _defined_only(partial(format_datetime, locale=locale))
    env.filters["date"] = _defined_only(partial(format_date, locale=locale))
    env.filters["overdue"] = _defined_only(partial(format_overdue, locale=locale))
    env.globals["invalid"] = _invalid
    from service import catalogue

    env.globals.update(_=catalogue._, ngettext=catalogue.ngettext, lang=locale)
    return env


def _defined_only(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """Filters get Undefined objects directly; make those fail as a missing key."""

    def checked(value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined raises UndefinedError naming the key
            raise jinja2.UndefinedError("undefined value passed to a filter")
        return fn(value)

    return checked


def _invalid(key: str, value: Any) -> NoReturn:
    """Called by templates on an unexpected enumeration value (e.g. an unknown outcome)."""
    raise TemplateContextError(f"unexpected value for {key!r}: {value!r}", key=key)


def _missing_key(message: str) -> str | None:
    for pattern in _UNDEFINED_KEY:
        match = pattern.search(message)
        if match:
            return match.group(1)
    return None


def _tidy_text(text: str) -> str:
    """Strip trailing spaces and squeeze blank-line runs left behind by template tags."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
