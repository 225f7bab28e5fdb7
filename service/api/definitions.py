"""Process definitions: list, deploy a new version, fetch the XML."""
from __future__ import annotations

from flask import Blueprint, Response, request

from service.catalogue import _
from service.api import schemas
from service.api.common import current_user, services, session, uploaded_file
from service.api.contract import operation
from service.auth import policies
from service.schemas.common import Items
from service.schemas.definitions import (ChangesQuery, ChangesRead, DefinitionQuery, DefinitionRead, DeployQuery,
                                         DurationQuery, DurationRead,
                                         StartBody, ValidationRead)
from service.schemas.instances import InstanceRead
from service.workflows import definitions, instances, version_diff, viewing
from service.workflows.filenames import download_headers

bp = Blueprint("definitions", __name__)
_XML = {"application/xml": {"schema": {"type": "string", "description": "the BPMN document (or a multipart/form-data "
                                                                    "upload in the field 'file')"}}}


def _uploaded_xml() -> bytes:
    return uploaded_file(_("BPMN 文档"), too_large_problems=[
        {"element": None, "code": "too_large", "message": _("文档太大")}])


@bp.get("/process-definitions")
@operation("Deployed versions", query=DefinitionQuery, response=Items[DefinitionRead])
def list_(query: DefinitionQuery) -> dict:
    return {"items": [schemas.definition(d) for d in definitions.list_definitions(session(), query.key)]}


@bp.post("/process-definitions")
@operation("Deploy a BPMN document as the next version of its process (a comment is required; removing user "
           "tasks that running instances may reach is a 409 with the counts unless confirm_removed)",
           query=DeployQuery, body_media=_XML, ok=201, response=DefinitionRead, errors=(400, 401, 403, 409),
           allowed=policies.can_deploy)
def deploy(query: DeployQuery) -> tuple[dict, int]:
    user = current_user()
    definition = definitions.deploy(session=session(), services=services(), xml=_uploaded_xml(), user=user,
                                    comment=query.comment or request.form.get("comment", ""),
                                    confirm_removed=query.confirm_removed)
    return schemas.definition(definition), 201


@bp.get("/durations")
@operation("Read a duration as people type it ('10 个工作日', '7 天') into what the engine runs ('P10WD', 'P7D')",
           query=DurationQuery, response=DurationRead, errors=(401, 403, 422), allowed=policies.can_deploy)
def duration(query: DurationQuery) -> dict:
    return definitions.read_duration(query.text)


@bp.post("/process-definitions/validate")
@operation("Validate a BPMN document without deploying it", body_media=_XML, response=ValidationRead,
           errors=(400, 401, 403), allowed=policies.can_deploy)
def validate() -> dict:
    return {"valid": True, **definitions.validate_bpmn(session=session(), services=services(), xml=_uploaded_xml())}


@bp.get("/process-definitions/<int:definition_id>")
@operation("One version", response=DefinitionRead)
def get(definition_id: int) -> dict:
    return schemas.definition(definitions.get_definition(session(), definition_id))


@bp.get("/process-definitions/<int:definition_id>/xml")
@operation("The BPMN XML", content="application/xml")
def xml(definition_id: int) -> Response:
    definition = definitions.get_definition(session(), definition_id)
    # Uploaded text: a download that a browser never renders as an active (script-running) document.
    return Response(definition.xml, mimetype="application/xml",
                    headers=download_headers(f"{definition.key}-v{definition.version}.bpmn"))


@bp.post("/process-definitions/key/<key>/start")
@operation("Start the latest version of a process (not the appraisal, which starts with an application)",
           body=StartBody, ok=201, response=InstanceRead, errors=(400, 401, 403, 404, 409),
           allowed=policies.can_start_directly)
def start(key: str, body: StartBody) -> tuple[dict, int]:
    user = current_user()
    instance = instances.start_by_key(session=session(), services=services(), user=user, key=key,
                                      business_key=body.business_key, variables=body.variables.model_extra or {})
    return schemas.instance(instance, viewing.groups_for(session(), user, None), user.id), 201


@bp.get("/process-definitions/<int:definition_id>/changes")
@operation("What changed from another version of the same process (default: the one before), in sentences",
           query=ChangesQuery, response=ChangesRead, errors=(400, 401, 404))
def changes(definition_id: int, query: ChangesQuery) -> dict:
    old, new, found = version_diff.changes_between(session(), services(), definition_id, query.from_id)
    return {"key": new.key, "older": {"id": old.id, "version": old.version},
            "newer": {"id": new.id, "version": new.version}, "changes": [c.as_dict() for c in found]}
