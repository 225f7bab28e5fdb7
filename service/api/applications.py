"""Applications: each one starts a process instance; its status shows the stage."""
from __future__ import annotations

from flask import Blueprint, request

from service.api import schemas
from service.api.common import current_user, int_arg, json_body, paging, services, session
from service.errors import ValidationFailed
from service.workflows import applications

bp = Blueprint("applications", __name__)


@bp.get("/applications")
def list_() -> dict:
    page, size = paging()
    rows, total = applications.list_applications(
        session=session(), user=current_user(), campaign_id=int_arg("campaign_id"),
        status=request.args.get("status"), unit_id=int_arg("unit_id"), page=page, page_size=size)
    return {"items": [schemas.application(a) for a in rows], "total": total, "page": page, "page_size": size}


@bp.post("/applications")
def create() -> tuple[dict, int]:
    user = current_user()  # authenticate before looking at the body
    body = json_body()
    campaign_id = body.pop("campaign_id", None)
    if not isinstance(campaign_id, int) or isinstance(campaign_id, bool) or not 1 <= campaign_id <= 2**31 - 1:
        raise ValidationFailed([{"field": "campaign_id", "message": "required (an integer)"}])
    application = applications.create_application(
        session=session(), services=services(), user=user, campaign_id=campaign_id, fields=body)
    return schemas.application(application, applications.missing_fields(application)), 201


@bp.get("/applications/<int:application_id>")
def get(application_id: int) -> dict:
    application = applications.get_application(session=session(), user=current_user(), application_id=application_id)
    return schemas.application(application, applications.missing_fields(application))


@bp.put("/applications/<int:application_id>")
@bp.patch("/applications/<int:application_id>")
def update(application_id: int) -> dict:
    application = applications.update_draft(session=session(), user=current_user(),
                                            application_id=application_id, fields=json_body())
    return schemas.application(application, applications.missing_fields(application))
