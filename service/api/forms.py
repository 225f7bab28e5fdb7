"""Form schemas: list, read, deploy a new version (process administrators)."""
from __future__ import annotations

from flask import Blueprint

from service.api.common import current_user, iso, json_body, services, session
from service.workflows import forms

bp = Blueprint("forms", __name__)


@bp.get("/forms")
def list_() -> dict:
    current_user()
    registry = services().forms
    registry.sync(session())
    return {"items": [{"key": k, "title": registry.schema(k).get("title", k)} for k in registry.keys()]}


@bp.get("/forms/<key>")
def get(key: str) -> dict:
    current_user()
    registry = services().forms
    registry.sync(session())
    versions = forms.form_versions(session(), key)
    return {"key": key, "schema": registry.schema(key),
            "versions": [{"version": v.version, "deployed_by": v.deployed_by, "deployed_at": iso(v.deployed_at)}
                         for v in versions]}


@bp.put("/forms/<key>")
def deploy(key: str) -> tuple[dict, int]:
    user = current_user()
    body = json_body()
    row = forms.deploy_form(session=session(), registry=services().forms, user=user, key=key,
                            schema=body.get("schema"))
    return {"key": row.key, "version": row.version, "deployed_at": iso(row.deployed_at)}, 201
