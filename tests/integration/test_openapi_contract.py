"""The OpenAPI document is generated from the operations' declarations and matches the app, both ways.

- every route of the URL map under /api is in the document, with its request
  body, query parameters and response schema, and every operation of the
  document is a route (test_every_api_route_is_documented_and_nothing_else);
- a route without a declaration cannot be served a document at all;
- every response in every test is validated against the document
  (tests/conftest.py installs ``openapi.check_responses``); the check itself is
  shown to catch a response that drifts from its schema.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Blueprint, Flask

from service.api import openapi
from service.api.contract import declared
from tests.api_client import Api

BODY_METHODS = {"post", "put", "patch"}


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_every_api_route_is_documented_and_nothing_else(sqlite_app: Any) -> None:
    app = sqlite_app
    document = Api(app).get("/api/openapi.json")
    routes: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        op = declared(app.view_functions[rule.endpoint])
        assert op is not None, f"{rule.rule} has no @operation"
        path = openapi.api_path(rule.rule)[0]
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
            doc = document["paths"][path][method.lower()]
            success = [code for code in doc["responses"] if code.startswith("2")]
            assert success == [str(op.ok)], (path, method, success)
            if op.ok != 204:
                assert doc["responses"][str(op.ok)]["content"], (path, method)
            if op.response is not None:
                assert doc["responses"][str(op.ok)]["content"]["application/json"]["schema"], (path, method)
            if method.lower() in BODY_METHODS and (op.body is not None or op.body_media):
                assert doc["requestBody"]["content"], (path, method)
            if op.query is not None:
                declared_params = {p["name"] for p in doc["parameters"] if p["in"] == "query"}
                assert declared_params == set(op.query.model_fields), (path, method, declared_params)
            for param in re.findall(r"\{(\w+)\}", path):
                assert param in {p["name"] for p in doc["parameters"] if p["in"] == "path"}, (path, param)
            for code, response in doc["responses"].items():
                if not code.startswith("2"):
                    assert "application/problem+json" in response["content"], (path, method, code)
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented == routes, (sorted(documented - routes), sorted(routes - documented))
    defined = {f"#/components/schemas/{name}" for name in document["components"]["schemas"]}
    assert _refs(document) <= defined, sorted(_refs(document) - defined)


def test_every_json_body_operation_names_its_fields_in_422s(sqlite_app: Any) -> None:
    """A body that is not an object, or has a field of the wrong type, is a 422 naming the field (not a 500)."""
    api = Api(sqlite_app)
    document = api.get("/api/openapi.json")
    named = 0
    for path, ops in document["paths"].items():
        for method, doc in ops.items():
            schema = doc.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            concrete = path.replace("{id}", "1").replace("{key}", "probe_form")
            user = None if doc.get("security") == [] else "process_admin"
            r = api.call(method.upper(), concrete, user, json=[1, 2])
            assert r.status_code in (403, 422), (method, path, r.status_code)  # a role check comes first
            if r.status_code == 422:
                assert r.get_json()["errors"][0]["field"] == "$", (method, path, r.get_json())
                named += 1
    assert named >= 5, named


def test_a_route_without_a_declaration_has_no_document() -> None:
    from service import api

    app = Flask("probe")
    api.register(app)
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/undeclared", "undeclared", lambda: {})
    app.register_blueprint(extra, url_prefix="/api")
    with pytest.raises(LookupError, match="/api/undeclared"):
        openapi.build(app)


def test_a_response_that_drifts_from_its_schema_is_caught(sqlite_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.api import schemas

    api = Api(sqlite_app)
    api.get("/api/me", "res_office1")
    shaped = schemas.user
    monkeypatch.setattr(schemas, "user", lambda u: {**shaped(u), "password_hash": "x"})
    r = api.call("GET", "/api/me", "res_office1")
    assert r.status_code == 500 and "does not match the OpenAPI document" in r.get_json()["title"], r.get_json()
    monkeypatch.setattr(schemas, "user", lambda u: {**shaped(u), "roles": "office"})
    assert api.call("GET", "/api/me", "res_office1").status_code == 500
