"""The OpenAPI 3.1 document of the JSON API, generated from the operations' declarations (never written by hand).

Every rule of the app's URL map under ``/api`` must have an ``@operation``
(service.api.contract); its models give the request body, the query parameters
and the response, as JSON Schema from pydantic. A view without a declaration
fails the build of the document (and so the tests), never silently drops out.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from service.catalogue import _
from service.api.contract import JSON, Operation, declared, operation
from service.schemas.base import Open
from service.schemas.common import MAX_ID, Problem

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 80}
_ERRORS = {400: "Bad request", 401: "Authentication required", 403: "Forbidden", 404: "Not found",
           409: "Conflict", 422: "Validation failed", 429: "Too many requests", 503: "Service unavailable"}


def api_path(rule: str) -> tuple[str, list[tuple[str, str]]]:
    """A Flask rule as an OpenAPI path: every ``<int:…>`` is ``{id}``, every other parameter ``{key}``."""
    params: list[tuple[str, str]] = []

    def name(match: re.Match[str]) -> str:
        kind = "id" if match.group(1) == "int" else "key"
        if kind == "key" and match.group(2) != "key":  # errors name the route's variable: it must be the documented one
            raise ValueError(f"{rule}: name a string path parameter <key> (it is documented and reported as 'key')")
        params.append((kind, match.group(2)))
        return "{" + kind + "}"

    return _PARAM.sub(name, rule), params


def operations(app: Flask) -> list[tuple[str, str, Operation, list[tuple[str, str]]]]:
    """(path, method, operation, path parameters) for every API route; a route without a declaration raises."""
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api"):
            continue
        op = declared(app.view_functions[rule.endpoint])
        if op is None:
            raise LookupError(f"{rule.rule} ({rule.endpoint}) has no @operation declaration (service/api/contract.py)")
        path, params = api_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((path, method.lower(), op, params))
    return out


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    properties = model.model_json_schema(ref_template=REF)
    required = set(properties.get("required", []))
    out = []
    for name, schema in properties.get("properties", {}).items():
        schema = {k: v for k, v in schema.items() if k != "title"}
        out.append({"name": name, "in": "query", "required": name in required, "schema": schema})
    schemas.update(properties.get("$defs", {}))
    return out


def build(app: Flask) -> dict[str, Any]:
    found = operations(app)
    models: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    for _, _, op, _ in found:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    keyed, top = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    problem = {"content": {"application/problem+json": {"schema": keyed[(Problem, "serialization")]}}}
    for path, method, op, params in found:
        doc: dict[str, Any] = {"summary": op.summary, "operationId": f"{method}_{path}", "responses": {}}
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {op.content: {"schema": keyed[(op.response, "serialization")]}}
        elif op.ok != 204:
            ok["content"] = {op.content: {"schema": {"type": "string"}}}
        doc["responses"][str(op.ok)] = ok
        errors = set(op.errors) | ({422} if op.body is not None or op.query is not None or params else set())
        for code in sorted(errors):
            doc["responses"][str(code)] = {"description": _ERRORS.get(code, "Problem"), **problem}
        parameters = [{"name": kind, "in": "path", "required": True,
                       "schema": op.path.get(kind, ID_SCHEMA if kind == "id" else KEY_SCHEMA)} for kind, _ in params]
        if op.query is not None:
            parameters += _query_parameters(op.query, schemas)
        if parameters:
            doc["parameters"] = parameters
        content = {JSON: {"schema": keyed[(op.body, "validation")]}} if op.body is not None else {}
        content.update(op.body_media)
        if content:
            doc["requestBody"] = {"required": True, "content": content}
        if not op.secured:
            doc["security"] = []
        paths.setdefault(path, {})[method] = doc
    return {
        "openapi": "3.1.0",
        "info": {"title": "Appraisal Flow API", "version": "1.0.0",
                 "description": "BPMN-driven innovation work appraisal (创新性工作评比). Errors are "
                                "application/problem+json; a 422 lists each bad field as {field, message}."},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "security": [{"bearer": []}],
        "paths": paths,
    }


def document(app: Flask | None = None) -> dict[str, Any]:
    """The app's document, built once per app."""
    app = app or current_app
    if "appraisal.openapi" not in app.extensions:
        app.extensions["appraisal.openapi"] = build(app)
    return app.extensions["appraisal.openapi"]


def spec() -> dict[str, Any]:
    """The document without a running app (an app with only the API's blueprints), for tools and tests."""
    from service import api

    bare = Flask("openapi")
    api.register(bare)
    return build(bare)


@bp.get("/openapi.json")
@operation("This document", response=Open, errors=(), secured=False)
def openapi() -> dict:
    return document()


def check_responses(app: Flask) -> None:
    """Validate every JSON response of the API against the document (tests and development; costs a validation).

    A response that does not match its documented schema is replaced by a 500
    problem naming the mismatch, so the test that made the request fails and says why.
    """
    from flask import Response, json, request
    from jsonschema import Draft202012Validator

    from service.api.errors import problem

    validators: dict[tuple[str, str, str], Draft202012Validator | None] = {}

    def validator(path: str, method: str, status: str, mimetype: str) -> Draft202012Validator | None:
        key = (path, method, status)
        if key not in validators:
            doc = document(app)
            response = doc["paths"].get(path, {}).get(method, {}).get("responses", {}).get(status, {})
            schema = response.get("content", {}).get(mimetype, {}).get("schema")
            if schema is None and mimetype == "application/problem+json":
                schema = {"$ref": "#/components/schemas/Problem"}
            validators[key] = None if schema is None else Draft202012Validator(
                {**schema, "components": doc["components"]})
        return validators[key]

    @app.after_request
    def _check(response: Response) -> Response:
        if request.url_rule is None or not request.path.startswith("/api") or not response.is_json:
            return response
        path = api_path(request.url_rule.rule)[0]
        check = validator(path, request.method.lower(), str(response.status_code), response.mimetype)
        if check is None:
            return response
        errors = sorted(check.iter_errors(json.loads(response.get_data())), key=lambda e: list(e.absolute_path))
        if not errors:
            return response
        where = ".".join(str(p) for p in errors[0].absolute_path) or "$"
        return problem(500, "Response does not match the OpenAPI document",
                       _("{request_method} {path} 的 {response_status_code} 响应不符合接口文档：{where}：{errors_message}",
                         request_method=request.method, path=path, response_status_code=response.status_code,
                         where=where, errors_message=errors[0].message))
