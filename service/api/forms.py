"""Form schemas: list, read, deploy a new version (process administrators)."""
from __future__ import annotations

from flask import Blueprint

from service.api.common import current_user, iso, services, session
from service.api.contract import operation
from service.auth import policies
from service.schemas.common import Items
from service.schemas.forms import (KEY_PATTERN, FormDeploy, FormDeployed, FormjsDeploy, FormjsRead, FormRead,
                                   FormSummary)
from service.workflows import forms

bp = Blueprint("forms", __name__)
_KEY = {"key": {"type": "string", "pattern": KEY_PATTERN}}


@bp.get("/forms")
@operation("Form schemas by key (bundled and deployed)", response=Items[FormSummary], errors=(401,))
def list_() -> dict:
    registry = services().forms
    registry.sync(session())
    return {"items": [{"key": k, "title": registry.schema(k).get("title", k)} for k in registry.keys()]}


@bp.get("/forms/<key>")
@operation("A form's schema and its deployed versions", response=FormRead, path=_KEY)
def get(key: str) -> dict:
    registry = services().forms
    registry.sync(session())
    versions = forms.form_versions(session(), key)
    return {"key": key, "schema": registry.schema(key),
            "versions": [{"version": v.version, "deployed_by": v.deployed_by, "deployed_at": iso(v.deployed_at)}
                         for v in versions]}


@bp.put("/forms/<key>")
@operation("Deploy a new version of a form schema (process administrators); the latest version's schema again "
           "deploys nothing and answers that version", body=FormDeploy, ok=201,
           response=FormDeployed, path=_KEY, errors=(400, 401, 403, 409), allowed=policies.can_deploy)
def deploy(key: str, body: FormDeploy) -> tuple[dict, int]:
    row = forms.deploy_form(session=session(), registry=services().forms, user=current_user(), key=key,
                            schema=body.schema_)
    return {"key": row.key, "version": row.version, "deployed_at": iso(row.deployed_at)}, 201


@bp.get("/forms/<key>/formjs")
@operation("A form as the visual form editor (form-js) edits it", response=FormjsRead, path=_KEY,
           errors=(401, 403, 404), allowed=policies.can_deploy)
def formjs_get(key: str) -> dict:
    return forms.formjs_of(session=session(), registry=services().forms, key=key)


@bp.put("/forms/<key>/formjs")
@operation("Deploy the form-js schema the visual editor saved as the form's next version (converted to its JSON "
           "Schema, checked like any other)", body=FormjsDeploy, ok=201, response=FormDeployed, path=_KEY,
           errors=(400, 401, 403, 422), allowed=policies.can_deploy)
def formjs_deploy(key: str, body: FormjsDeploy) -> tuple[dict, int]:
    row = forms.deploy_formjs(session=session(), registry=services().forms, user=current_user(), key=key,
                              formjs=body.formjs)
    return {"key": row.key, "version": row.version, "deployed_at": iso(row.deployed_at)}, 201
