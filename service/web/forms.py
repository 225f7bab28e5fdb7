"""Task forms rendered from the JSON Schema a user task names, and form posts turned back into data.

Nothing here knows a particular form: a new user task with a new schema in
``processes/forms`` gets a page without Python.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from service.catalogue import N_, _, translated
from service.web.i18n import enum_label, title_of
from service.workflows.formjs import choice_widget, text_widget


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, date, number, boolean, radio, select, checkboxes, rows
    label: str
    required: bool
    help: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    max_length: int | None = None
    columns: list["Field"] = field(default_factory=list)


def fields_for(schema: dict[str, Any], values: dict[str, Any] | None = None,
               overrides: dict[str, list[str]] | None = None) -> list[Field]:
    """Fields for the top-level properties of an object schema; ``overrides`` supplies enums (e.g. grades). A form
    not filled in yet (no ``values``) starts from each field's ``default`` (set in the form editor)."""
    fresh = not values
    values = values or {}
    required = set(schema.get("required", []))
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        enum = (overrides or {}).get(name)
        out.append(_field(name, prop, name in required, prop.get("default") if fresh else values.get(name), enum))
    return out


def _field(name: str, prop: dict[str, Any], required: bool, value: Any, enum: list[str] | None = None) -> Field:
    kind_type = prop.get("type")
    f = Field(name=name, kind="text", label=title_of(prop), required=required, help=translated(prop.get("description", "")),
              value=value, max_length=prop.get("maxLength"))
    if enum is not None:
        f.kind, f.options = "radio", [(v, v) for v in enum]
    elif prop.get("enum"):
        f.kind = choice_widget(prop)
        f.options = [(str(v), enum_label(prop, str(v))) for v in prop["enum"]]
    elif kind_type == "boolean":
        f.kind, f.options = "boolean", [("true", _("是")), ("false", _("否"))]
    elif kind_type in ("number", "integer"):
        f.kind = "number"
    elif kind_type == "string" and prop.get("format") == "date":
        f.kind = "date"
    elif kind_type == "string" and text_widget(prop) == "textarea":
        f.kind = "textarea"
    elif kind_type == "array":
        items = prop.get("items") or {}
        if items.get("enum"):
            f.kind = "checkboxes"
            f.options = [(str(v), enum_label(items, str(v))) for v in items["enum"]]
            f.value = [str(v) for v in (value or [])]
        elif items.get("type") == "object":
            f.kind = "rows"
            f.columns = fields_for(items)
            f.value = list(value or [])
    elif kind_type == "object":
        f.kind = "textarea"
    return f


def parse(schema: dict[str, Any], form: MultiDict) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Data for ``schema`` from a posted form: empty values are left out so 'required' reports them."""
    data: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type")
        if kind == "array":
            items = prop.get("items") or {}
            if items.get("type") == "object":
                rows = _rows(name, items, form)
                if rows or f"{name}.present" in form:
                    data[name] = rows
            else:
                data[name] = [v for v in form.getlist(name) if v != ""]
                if not data[name] and name not in schema.get("required", []):
                    del data[name]
            continue
        raw = form.get(name, "")
        if raw is None or raw.strip() == "":
            continue
        if kind == "boolean":
            data[name] = raw == "true"
        elif kind in ("number", "integer"):
            try:
                number = float(raw)
                data[name] = int(number) if kind == "integer" or number.is_integer() else number
            except ValueError:
                errors.append({"field": name, "message": _("请输入数字")})
        else:
            data[name] = raw.strip() if prop.get("format") == "date" else raw
    return data, errors


def _rows(name: str, items: dict[str, Any], form: MultiDict) -> list[dict[str, Any]]:
    indexes = sorted({int(m.group(1)) for k in form.keys() if (m := re.fullmatch(rf"{re.escape(name)}\.(\d+)\.\w+", k))})
    rows = []
    for i in indexes:
        row = {}
        for col in (items.get("properties") or {}):
            value = form.get(f"{name}.{i}.{col}", "").strip()
            if value:
                row[col] = value
        if row:
            rows.append(row)
    return rows


_MESSAGES = [
    (re.compile(r"is a required property"), N_("必填")),
    (re.compile(r"should be non-empty|is too short"), N_("必填")),
]


def errors_by_field(errors: list[dict[str, str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Group {field, message} errors by field name; the second list has errors without a field."""
    by: dict[str, list[str]] = {}
    general: list[str] = []
    for e in errors:
        message = e.get("message", "")
        for pattern, msgid in _MESSAGES:
            if pattern.search(message):
                message = _(msgid)
                break
        name = e.get("field") or "$"
        if name == "$":
            general.append(message)
        else:
            by.setdefault(name, []).append(message)
    return by, general
