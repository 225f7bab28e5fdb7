"""What every payload schema shares: request and response bases, error mapping, JSON Schema for forms.

A request body is a :class:`Body` (unknown fields refused); a response body is
a :class:`Read`, whose fields are the keys the API sends. A Read model is not
instantiated per response (that would cost a validation per row on every list):
:func:`shape` copies the named attributes of a row into a dict, so the model
alone says which keys a response has, and the tests validate every response
against the model's JSON Schema instead.
"""
from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from service.catalogue import N_, _
from service.errors import ValidationFailed


class Body(BaseModel):
    """A request body: every field declared, nothing else accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Query(BaseModel):
    """Query parameters: unknown ones are ignored (browsers and proxies add their own)."""

    model_config = ConfigDict(extra="ignore")


class Read(BaseModel):
    """A response body. ``From("attr.path")`` in a field's metadata names where its value comes from."""

    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    """A response or request part whose keys are data (process variables, form answers)."""

    model_config = ConfigDict(extra="allow")


class From:
    """Field metadata: read the value from this attribute path of the row (default: the field's name)."""

    def __init__(self, path: str):
        self.path = path


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@cache
def _getters(model: type[Read]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    out = []
    for name, info in model.model_fields.items():
        path = next((m.path for m in info.metadata if isinstance(m, From)), name)
        out.append((name, attrgetter(path)))
    return tuple(out)


def shape(model: type[Read], row: Any, **computed: Any) -> dict[str, Any]:
    """``row`` as the JSON-ready dict ``model`` declares; ``computed`` gives the fields a row has no attribute for."""
    body: dict[str, Any] = {}
    for name, get in _getters(model):
        body[name] = computed[name] if name in computed else _jsonable(get(row))
    return body


# --------------------------------------------------------------------------- validation errors

REQUIRED = N_("必填")


def _message(error: dict[str, Any], required: dict[str, str]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    name = str(error["loc"][0]) if error["loc"] else ""
    if kind == "missing" or (kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1) \
            or (kind == "string_pattern_mismatch" and ctx.get("pattern") == r"\S"):
        return _(required.get(name, REQUIRED) if len(error["loc"]) == 1 else REQUIRED)
    if kind == "extra_forbidden":
        return _("未知字段")
    if kind == "string_type":
        return _("须为文字")
    if kind == "string_too_long":
        return _("最多 {p0} 个字符", p0=ctx['max_length'])
    if kind == "too_long":
        return _("最多 {p0} 项", p0=ctx['max_length'])
    if kind == "literal_error":
        return _("须为以下之一：{p0}", p0=ctx['expected'])
    if kind == "list_type":
        return _("须为列表")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("须为对象")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("须为整数")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = ctx.get("ge", ctx.get("gt")), ctx.get("le", ctx.get("lt"))
        return _("超出范围（{low}–{high}）", low="" if low is None else low, high="" if high is None else high)
    if kind == "value_error":
        return str(ctx.get("error") or error["msg"])
    return error["msg"]


def field_errors(exc: ValidationError, *, required: dict[str, str] | None = None,
                 prefix: str = "") -> list[dict[str, str]]:
    """pydantic's errors as our ``[{field, message}]``: the field is the dotted path (``recognitions.0.level``)."""
    out: list[dict[str, str]] = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        if len(loc) > 1 and isinstance(loc[-1], int) and error["type"] not in _OBJECT_ERRORS:
            loc = loc[:-1]  # a bad item of a list of choices is an error of the list (one group of checkboxes)
        path = ".".join(str(p) for p in loc)
        field = f"{prefix}.{path}" if prefix and path else (prefix or path or "$")
        entry = {"field": field, "message": _message(error, required or {})}
        if entry not in out:
            out.append(entry)
    return out


_OBJECT_ERRORS = ("model_type", "dict_type", "model_attributes_type")


def validate(model: type[BaseModel], data: Any, *, required: dict[str, str] | None = None,
             prefix: str = "") -> Any:
    """``model`` validated from ``data`` or a 422 naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, required=required, prefix=prefix)) from None


# --------------------------------------------------------------------------- JSON Schema without $ref


def inline_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON Schema with ``$defs`` inlined and ``X | None`` written as X.

    Form schemas are read by the page renderer, which expects each property's
    ``type`` on the property itself, and a deployed form may not use ``$ref``.
    """
    schema = copy.deepcopy(schema)
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = walk(defs[node["$ref"].rsplit("/", 1)[1]])
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        options = node.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            rest = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
            node = {**next(o for o in options if o != {"type": "null"}), **rest}
        elif node.get("default", 0) is None:
            node = {k: v for k, v in node.items() if k != "default"}
        return {k: walk(v) if k not in ("enum", "required", "x-enum-labels") else v
                for k, v in node.items()}

    return walk(schema)
