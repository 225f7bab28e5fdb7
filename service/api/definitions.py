"""Process definitions: list, deploy a new version, fetch the XML."""
from __future__ import annotations

from flask import Blueprint, Response, request

from service.api import schemas
from service.api.common import current_user, json_body, services, session
from service.auth import policies
from service.errors import BadRequest, Forbidden, ValidationFailed
from service.workflows import definitions, instances, viewing

bp = Blueprint("definitions", __name__)


def _uploaded_xml() -> bytes:
    limit = services().settings.max_upload_bytes
    if request.content_length is not None and request.content_length > limit:
        raise BadRequest(f"the upload is larger than {limit} bytes", problems=[
            {"element": None, "code": "too_large", "message": "document too large"}])
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("send the BPMN as the multipart field 'file'")
        return upload.read(limit + 1)
    data = request.get_data(cache=False)
    if not data:
        raise BadRequest("send the BPMN XML as the request body or the multipart field 'file'")
    return data


@bp.get("/process-definitions")
def list_() -> dict:
    current_user()
    return {"items": [schemas.definition(d) for d in definitions.list_definitions(session(), request.args.get("key"))]}


@bp.post("/process-definitions")
def deploy() -> tuple[dict, int]:
    user = current_user()
    if not policies.can_deploy(user):
        raise Forbidden("only process administrators may deploy process definitions")
    definition = definitions.deploy(session=session(), services=services(), xml=_uploaded_xml(), user=user,
                                    comment=request.args.get("comment", "") or request.form.get("comment", ""))
    return schemas.definition(definition), 201


@bp.post("/process-definitions/validate")
def validate() -> dict:
    user = current_user()
    if not policies.can_deploy(user):
        raise Forbidden("only process administrators may validate process definitions")
    return {"valid": True, **definitions.validate_bpmn(session=session(), services=services(), xml=_uploaded_xml())}


@bp.get("/process-definitions/<int:definition_id>")
def get(definition_id: int) -> dict:
    current_user()
    return schemas.definition(definitions.get_definition(session(), definition_id))


@bp.get("/process-definitions/<int:definition_id>/xml")
def xml(definition_id: int) -> Response:
    current_user()
    definition = definitions.get_definition(session(), definition_id)
    return Response(definition.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'inline; filename="{definition.key}-v{definition.version}.bpmn"'})


@bp.post("/process-definitions/key/<key>/start")
def start(key: str) -> tuple[dict, int]:
    user = current_user()  # authenticate before looking at the body
    body = json_body()
    variables = body.get("variables", {})
    business_key = body.get("business_key", "")
    if not isinstance(variables, dict):
        raise ValidationFailed([{"field": "variables", "message": "must be an object"}])
    if not isinstance(business_key, str) or not business_key or len(business_key) > 120:
        raise ValidationFailed([{"field": "business_key", "message": "required, at most 120 characters"}])
    instance = instances.start_by_key(session=session(), services=services(), user=user, key=key,
                                      business_key=business_key, variables=variables)
    return schemas.instance(instance, viewing.groups_for(session(), user, None), user.id), 201
