"""Applications: each one starts a process instance; its status shows the stage."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from service.api import schemas
from service.api.common import current_user, int_arg, json_body, paging, services, session
from service.errors import ValidationFailed
from service.workflows import applications, viewing

bp = Blueprint("applications", __name__)


@bp.get("/applications")
def list_() -> dict:
    page, size = paging()
    user = current_user()
    rows, total = applications.list_applications(
        session=session(), user=user, campaign_id=int_arg("campaign_id"),
        status=request.args.get("status"), unit_id=int_arg("unit_id"), page=page, page_size=size)
    groups = viewing.by_application(session(), user, rows)
    return {"items": [schemas.application(a, groups[a.id], user.id) for a in rows], "total": total, "page": page,
            "page_size": size}


def _shaped(application: Any, user: Any) -> dict:
    """One application as ``user`` may see it, with what its draft still lacks."""
    return schemas.application(application, viewing.groups_for(session(), user, application), user.id,
                               applications.missing_fields(application))


@bp.post("/applications")
def create() -> tuple[dict, int]:
    user = current_user()  # authenticate before looking at the body
    body = json_body()
    campaign_id = body.pop("campaign_id", None)
    if not isinstance(campaign_id, int) or isinstance(campaign_id, bool) or not 1 <= campaign_id <= 2**31 - 1:
        raise ValidationFailed([{"field": "campaign_id", "message": "required (an integer)"}])
    application = applications.create_application(
        session=session(), services=services(), user=user, campaign_id=campaign_id, fields=body)
    return _shaped(application, user), 201


@bp.get("/applications/<int:application_id>")
def get(application_id: int) -> dict:
    user = current_user()
    application = applications.get_application(session=session(), user=user, application_id=application_id)
    return _shaped(application, user)


@bp.put("/applications/<int:application_id>")
@bp.patch("/applications/<int:application_id>")
def update(application_id: int) -> dict:
    user = current_user()
    application = applications.update_draft(session=session(), user=user,
                                            application_id=application_id, fields=json_body())
    return _shaped(application, user)
