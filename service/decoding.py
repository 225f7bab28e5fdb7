"""The one place request input is decoded: text the database cannot hold and JSON nested too deep are refused.

PostgreSQL ``text`` and ``jsonb`` cannot hold U+0000, and a lone surrogate
(U+D800–U+DFFF, which a JSON ``\\ud800`` escape produces) has no UTF-8 form, so
either would fail deep inside a statement as a 500, or be stored on SQLite and
then break the export. Python's JSON parser recurses once per nesting level and
raises ``RecursionError`` about a thousand levels down. ``check_request`` runs
before every view (API and pages alike) and looks at every channel a request
brings text in by: the query string, path parameters, form fields, uploaded
files' names and the JSON body; anything else that parses JSON from a person
(a form field holding a schema) goes through :func:`decode_json`. A refusal is
a 422 ``ValidationFailed`` naming the field, raised before any view runs, so
nothing is stored.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from flask import request
from flask.json.provider import DefaultJSONProvider

from service.catalogue import _
from service.errors import ValidationFailed

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a JSON input may have (form schemas, the deepest legitimate input, use ~8)."""

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""Code points PostgreSQL text cannot hold: NUL and the surrogates (which have no UTF-8 encoding)."""

MAX_REPORTED = 20
_STRINGS_AND_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def printable(text: str) -> str:
    """``text`` with each unstorable code point written as ``\\uXXXX`` (a field name safe to echo back)."""
    return UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def describe(text: str) -> str:
    """Which unstorable code point ``text`` holds first, for the message (``U+0000``)."""
    found = UNSTORABLE.search(text)
    return f"U+{ord(found.group()):04X}" if found else ""


def _error(field: str, char: str) -> dict[str, str]:
    return {"field": field, "code": "unstorable_text", "char": char,
            "message": _("含有无法保存的字符 {char}（NUL 和不成对的代理项不是文本）", char=char)}


def json_depth(raw: str | bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text, counted without parsing it (strings skipped)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else raw
    depth = deepest = 0
    for match in _STRINGS_AND_BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def unstorable_paths(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, code point) for every string and key in a decoded JSON value holding unstorable text."""
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            yield path or "$", describe(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{printable(str(key))}" if path else printable(str(key))
            if UNSTORABLE.search(str(key)):
                yield child, describe(str(key))
            yield from unstorable_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_paths(item, f"{path}.{index}" if path else str(index))


def check_depth(raw: str | bytes, field: str = "$") -> None:
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise ValidationFailed([{"field": field, "code": "json_too_deep", "limit": str(MAX_JSON_DEPTH),
                                 "message": _("JSON 嵌套超过 {depth} 层", depth=MAX_JSON_DEPTH)}])


def check_value(value: Any, prefix: str = "") -> None:
    """Refuse a decoded JSON value holding unstorable text, naming every such field (``prefix`` + its path)."""
    found = []
    for path, char in unstorable_paths(value):
        found.append(_error(f"{prefix}.{path}" if prefix and path != "$" else (prefix or path), char))
        if len(found) == MAX_REPORTED:
            break
    if found:
        raise ValidationFailed(found)


def decode_json(raw: str | bytes, field: str = "$") -> Any:
    """Parse JSON a person sent: depth bounded before parsing, unstorable text refused; ValueError if malformed."""
    check_depth(raw, field)
    value = json.loads(raw)
    check_value(value, "" if field == "$" else field)
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with every parse of request JSON bounded in depth before the parser recurses."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        check_depth(s)
        return super().loads(s, **kwargs)


def _check_text(field: str, value: str, found: list[dict[str, str]]) -> None:
    if UNSTORABLE.search(value):
        found.append(_error(printable(field), describe(value)))


def check_request() -> None:
    """Before every view: refuse unstorable text in any channel and over-deep JSON (422 naming the field)."""
    found: list[dict[str, str]] = []
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check_text(name, value, found)
    for name in request.args:
        _check_text(name, name, found)
        for value in request.args.getlist(name):
            _check_text(name, value, found)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name in request.form:
            _check_text(name, name, found)
            for value in request.form.getlist(name):
                _check_text(name, value, found)
        for name in request.files:
            for upload in request.files.getlist(name):
                _check_text(f"{name}.filename", upload.filename or "", found)
    if found:
        raise ValidationFailed(found[:MAX_REPORTED])
    if request.is_json:
        check_depth(request.get_data(cache=True))
        value = request.get_json(silent=True)  # parsed once, kept for the view; malformed: the view answers 400
        if value is not None:
            check_value(value)
