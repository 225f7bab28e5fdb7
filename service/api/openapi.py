"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

bp = Blueprint("openapi", __name__)

_PROBLEM = {"description": "Problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
_KEY_PARAM = {"name": "key", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,79}$"}}
_PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
         {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]


def _op(summary: str, *, ok: int = 200, body: dict | None = None, params: list | None = None,
        errors: tuple[int, ...] = (401, 403, 404, 422), content: str = "application/json",
        secured: bool = True) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {str(ok): {"description": "OK"}}}
    if ok != 204:
        op["responses"][str(ok)]["content"] = {content: {"schema": {}}}
    for code in errors:
        op["responses"][str(code)] = _PROBLEM
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if not secured:
        op["security"] = []
    return op


_obj = {"type": "object"}
_application_fields = {
    "theme": {"type": "string", "maxLength": 200}, "content": {"type": "string"}, "proposer": {"type": "string"},
    "refinement": {"type": "string"}, "effects": {"type": "string"},
    "recognitions": {"type": "array", "items": {"type": "object", "properties": {
        "level": {"enum": ["national", "provincial", "municipal", "county"]}, "department": {"type": "string"},
        "date": {"type": "string", "format": "date"}}}},
    "category": {"enum": ["1", "2", "3", "4", "5", "6"]},
    "conditions": {"type": "array", "items": {"enum": ["1", "2", "3", "4", "5"]}, "uniqueItems": True},
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Appraisal Flow API", "version": "1.0.0",
             "description": "BPMN-driven innovation work appraisal (创新性工作评比). Errors are application/problem+json."},
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Problem": {"type": "object", "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "errors": {"type": "array"}, "problems": {"type": "array"}}}},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/health": {"get": _op("Liveness and database check", errors=(503,), secured=False)},
        "/api/openapi.json": {"get": _op("This document", errors=(), secured=False)},
        "/api/auth/token": {
            "post": _op("Exchange username and password for a bearer token", ok=201, errors=(400, 401, 422, 429), secured=False,
                        body={"type": "object", "required": ["username", "password"], "properties": {
                            "username": {"type": "string"}, "password": {"type": "string"}}}),
            "delete": _op("Revoke the token used for this request", ok=204, errors=(401,)),
        },
        "/api/me": {"get": _op("The authenticated user", errors=(401,))},
        "/api/org-units": {"get": _op("Organisation units", errors=(401,))},
        "/api/campaigns": {
            "get": _op("Campaigns", errors=(401,)),
            "post": _op("Create a year's campaign", ok=201, errors=(400, 401, 403, 409, 422), body={
                "type": "object", "required": ["year", "name", "criteria", "grades", "no_award_grade"], "properties": {
                    "year": {"type": "integer"}, "name": {"type": "string"}, "criteria": {"type": "array"},
                    "grades": {"type": "array", "items": {"type": "string"}}, "no_award_grade": {"type": "string"},
                    "scorer_ids": {"type": "array", "items": {"type": "integer"}},
                    "opens_at": {"type": "string", "format": "date-time"},
                    "closes_at": {"type": "string", "format": "date-time"}}}),
        },
        "/api/campaigns/{id}": {"get": _op("One campaign", params=[_ID])},
        "/api/campaigns/{id}/results": {"get": _op("Ranked results with each calculation", params=[_ID])},
        "/api/applications": {
            "get": _op("Applications visible to the user", params=_PAGE + [
                {"name": "campaign_id", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "unit_id", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "status", "in": "query", "schema": {"type": "string"}}]),
            "post": _op("Create a draft application (starts its process instance)", ok=201,
                        errors=(400, 401, 403, 409, 422),
                        body={"type": "object", "required": ["campaign_id"],
                              "properties": {"campaign_id": {"type": "integer"}, **_application_fields}}),
        },
        "/api/applications/{id}": {
            "get": _op("One application with what is still missing", params=[_ID]),
            "put": _op("Save draft fields", params=[_ID], errors=(400, 401, 403, 404, 409, 422),
                       body={"type": "object", "properties": _application_fields}),
        },
        "/api/process-definitions": {
            "get": _op("Deployed versions", params=[{"name": "key", "in": "query", "schema": {"type": "string"}}]),
            "post": {**_op("Deploy a BPMN document as the next version of its process", ok=201, errors=(400, 401, 403)),
                     "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}}},
        },
        "/api/process-definitions/validate": {
            "post": {**_op("Validate a BPMN document without deploying it", errors=(400, 401, 403)),
                     "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}}},
        },
        "/api/process-definitions/{id}": {"get": _op("One version", params=[_ID])},
        "/api/process-definitions/key/{key}/start": {"post": _op(
            "Start the latest version of a process (not the appraisal, which starts with an application)", ok=201,
            errors=(400, 401, 403, 404, 409, 422),
            params=[{"name": "key", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 80}}],
            body={"type": "object", "required": ["business_key"], "properties": {
                "business_key": {"type": "string", "minLength": 1, "maxLength": 120}, "variables": {"type": "object"}}})},
        "/api/process-definitions/{id}/xml": {"get": _op("The BPMN XML", params=[_ID], content="application/xml")},
        "/api/forms": {"get": _op("Form schemas by key (bundled and deployed)", errors=(401,))},
        "/api/forms/{key}": {
            "get": _op("A form's schema and its deployed versions", params=[_KEY_PARAM]),
            "put": _op("Deploy a new version of a form schema (process administrators)", ok=201,
                       params=[_KEY_PARAM], errors=(400, 401, 403, 422),
                       body={"type": "object", "required": ["schema"], "properties": {"schema": {"type": "object"}}}),
        },
        "/api/process-instances": {"get": _op("Instances (federation roles)", params=_PAGE)},
        "/api/process-instances/{id}": {"get": _op("State and active elements", params=[_ID])},
        "/api/process-instances/{id}/history": {"get": _op("Everything that happened, in order", params=[_ID])},
        "/api/tasks": {"get": _op("My tasks and my roles' tasks, soonest due first; total is exact up to 1,000 "
                                  "(total_exact false: more than that)", params=_PAGE + [
            {"name": "state", "in": "query", "schema": {"enum": ["open", "completed", "cancelled", "all"]}},
            {"name": "assigned", "in": "query", "schema": {"enum": ["me", "none"]}},
            {"name": "role", "in": "query", "schema": {"type": "string"}},
            {"name": "stage", "in": "query", "schema": {"type": "string"}},
            {"name": "application_id", "in": "query", "schema": {"type": "integer", "minimum": 1}}])},
        "/api/tasks/{id}": {"get": _op("One task", params=[_ID])},
        "/api/tasks/{id}/form": {"get": _op("The task's form schema", params=[_ID])},
        "/api/tasks/{id}/claim": {"post": _op("Claim", params=[_ID], errors=(401, 403, 404, 409))},
        "/api/tasks/{id}/unclaim": {"post": _op("Release a claim", params=[_ID], errors=(401, 403, 404, 409))},
        "/api/tasks/{id}/complete": {"post": _op("Complete with form data", params=[_ID],
                                                 errors=(400, 401, 403, 404, 409, 422), body=_obj)},
        "/api/notifications": {"get": _op("Every notification and its delivery state (office)", params=_PAGE + [
            {"name": "status", "in": "query", "schema": {"enum": ["pending", "sending", "sent", "failed", "dead"]}},
            {"name": "campaign_id", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "recipient_user_id", "in": "query", "schema": {"type": "integer", "minimum": 1}}])},
        "/api/notifications/summary": {"get": _op("Notifications per delivery state (office)")},
    },
}


@bp.get("/openapi.json")
def openapi() -> dict:
    return SPEC
