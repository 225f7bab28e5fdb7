"""A form's JSON Schema as a form-js schema and back, without loss (issue 15.5, the editor's server side).

Decision: the stored definition of a form stays its JSON Schema (``processes/forms``, ``form_definitions``).
It is what the server validates submissions with, what campaigns pin by version and what the typed
payload schemas of issue 16 line up with; an editor is a way to write it. The form-js editor
(@bpmn-io/form-js) edits a form-js schema, so the page converts with :func:`to_formjs` when it opens a
form and the server converts what it saves with :func:`from_formjs` before the ordinary deploy
(:func:`service.workflows.forms.deploy_form`), which checks it like any other schema.

Lossless: each field keyword form-js has a control for maps to it (label, description, required,
length and range limits, date format, options with their Chinese labels); every other keyword of the
field (``x-title-en``, ``items`` of a table …) travels in the component's custom ``properties`` as
``x-schema`` (JSON), and the keywords of the form itself (``$id``, ``if``/``then`` …) in the form-js
root's ``x-schema``. ``from_formjs(to_formjs(s)) == s`` for every form (tests/unit/test_formjs.py).
"""
from __future__ import annotations

import json
from typing import Any

SCHEMA_VERSION = 16
_DONE = {"type", "title", "description", "minLength", "maxLength", "minimum", "maximum", "format", "enum",
         "x-enum-labels"}
_LONG_TEXT = 200
"""A text field allowing more than this many characters is edited in a multi-line box."""
CONVERTED = ("textfield", "textarea", "number", "datetime", "radio", "select", "checkbox", "text")
"""The form-js component types :func:`from_formjs` turns into JSON Schema (``text``: the form's title). The editor's
palette offers these and no others (service/web/src/formjs/editor.js, ``OFFERED``)."""


def unconverted(form: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The components of ``form`` that :func:`from_formjs` cannot keep, each with why: ``"type"`` (a type it does
    not convert: a checklist, a group and what it holds …) or ``"subtype"`` (a date-time field asking for a time:
    the schema keeps dates only)."""
    found: list[tuple[dict[str, Any], str]] = []
    for component in form.get("components") or []:
        if not isinstance(component, dict):
            continue
        if component.get("type") not in CONVERTED:
            found.append((component, "type"))
        elif component.get("type") == "datetime" and component.get("subtype", "date") != "date":
            found.append((component, "subtype"))
    return found


def to_formjs(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The form-js schema of the form ``key`` whose JSON Schema is ``schema``."""
    required = set(schema.get("required") or [])
    components = [_component(name, part, name in required) for name, part in (schema.get("properties") or {}).items()]
    rest = {k: v for k, v in schema.items() if k not in {"properties", "required", "title", "type"}}
    order = [k for k in schema if k in {"properties", "required", "title", "type"} or k in rest]
    form: dict[str, Any] = {"type": "default", "id": f"Form_{key}", "schemaVersion": SCHEMA_VERSION,
                            "components": components, "x-schema": json.dumps(
                                {"rest": rest, "order": order, "required": "required" in schema},
                                ensure_ascii=False)}
    if schema.get("title"):
        components.insert(0, {"type": "text", "id": f"Title_{key}", "text": f"# {schema['title']}"})
    return form


def from_formjs(form: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema a form-js schema describes (what the server stores and validates with)."""
    extra = json.loads(form.get("x-schema") or "{}") if isinstance(form.get("x-schema"), str) else {}
    rest: dict[str, Any] = extra.get("rest", {"$schema": "https://json-schema.org/draft/2020-12/schema"})
    properties: dict[str, Any] = {}
    required: list[str] = []
    title = None
    for component in form.get("components") or []:
        if component.get("type") == "text":
            text = str(component.get("text") or "")
            if text.startswith("# ") and title is None:
                title = text[2:].strip()
            continue
        name = component.get("key")
        if not isinstance(name, str) or not name:
            continue
        properties[name] = _field(component)
        if (component.get("validate") or {}).get("required"):
            required.append(name)
    parts: dict[str, Any] = {"title": title, "type": "object", "properties": properties,
                             "required": required, **rest}
    if title is None and "title" in order_hint(extra):
        parts["title"] = ""
    if parts["title"] is None:
        del parts["title"]
    if not required and not extra.get("required", True):
        del parts["required"]
    order = extra.get("order") or ["title", "type", "properties", "required", *rest]
    ordered = {k: parts[k] for k in order if k in parts}
    ordered.update({k: v for k, v in parts.items() if k not in ordered})
    return ordered


def _component(name: str, part: dict[str, Any], required: bool) -> dict[str, Any]:
    kind = part.get("type")
    validate: dict[str, Any] = {}
    if required:
        validate["required"] = True
    for source, target in (("minLength", "minLength"), ("maxLength", "maxLength"), ("minimum", "min"),
                           ("maximum", "max")):
        if source in part:
            validate[target] = part[source]
    component: dict[str, Any] = {"id": f"Field_{name}", "key": name, "label": part.get("title", name)}
    if "enum" in part:
        labels = part.get("x-enum-labels") or {}
        component["type"] = "radio" if len(part["enum"]) <= 4 else "select"
        component["values"] = [{"label": labels.get(str(v), str(v)), "value": v} for v in part["enum"]]
    elif kind == "string" and part.get("format") == "date":
        component.update({"type": "datetime", "subtype": "date", "dateLabel": component.pop("label")})
    elif kind == "string":
        component["type"] = "textarea" if part.get("maxLength", 0) > _LONG_TEXT else "textfield"
    elif kind in ("number", "integer"):
        component["type"] = "number"
    elif kind == "boolean":
        component["type"] = "checkbox"
    else:
        component["type"] = "textarea"  # a list or table: the editor shows it as text; its schema travels whole
    if "description" in part:
        component["description"] = part["description"]
    if validate:
        component["validate"] = validate
    kept = {k: v for k, v in part.items() if k not in _DONE or (k == "format" and component["type"] != "datetime")}
    kept["x-order"] = list(part)
    kept["x-type"] = kind
    kept["x-labelled"] = "title" in part
    component["properties"] = {"x-schema": json.dumps(kept, ensure_ascii=False)}
    return component


def _field(component: dict[str, Any]) -> dict[str, Any]:
    kept = json.loads((component.get("properties") or {}).get("x-schema") or "{}")
    order = kept.pop("x-order", None)
    kind = kept.pop("x-type", None) or _type_of(component)
    labelled = kept.pop("x-labelled", True)
    validate = component.get("validate") or {}
    part: dict[str, Any] = dict(kept)
    if kind is not None:
        part["type"] = kind
    label = component.get("dateLabel") if component.get("type") == "datetime" else component.get("label")
    if labelled and label is not None:
        part["title"] = label
    if component.get("description"):
        part["description"] = component["description"]
    for source, target in (("minLength", "minLength"), ("maxLength", "maxLength"), ("min", "minimum"),
                           ("max", "maximum")):
        if source in validate:
            part[target] = validate[source]
    if component.get("type") == "datetime":
        part["format"] = "date"
    if component.get("type") in ("radio", "select", "checklist") and component.get("values"):
        values = component["values"]
        part["enum"] = [v.get("value") for v in values]
        labels = {str(v.get("value")): v.get("label") for v in values if v.get("label") != str(v.get("value"))}
        if labels or "x-enum-labels" in (order or []):
            part["x-enum-labels"] = labels
    if order:
        return {k: part[k] for k in order if k in part} | {k: v for k, v in part.items() if k not in order}
    return part


def _type_of(component: dict[str, Any]) -> str:
    return {"number": "number", "checkbox": "boolean"}.get(component.get("type", ""), "string")


def order_hint(extra: dict[str, Any]) -> list[str]:
    return list(extra.get("order") or [])
