"""Applications: each one starts a process instance; its status shows the stage."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api import schemas
from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies
from service.schemas.applications import (ApplicationCreate, ApplicationQuery, ApplicationRead, ApplicationUpdate,
                                          ApplicationWithdraw)
from service.schemas.common import Page
from service.workflows import applications, viewing

bp = Blueprint("applications", __name__)


@bp.get("/applications")
@operation("Applications visible to the user", query=ApplicationQuery, response=Page[ApplicationRead])
def list_(query: ApplicationQuery) -> dict:
    user = current_user()
    rows, total = applications.list_applications(
        session=session(), user=user, campaign_id=query.campaign_id, status=query.status, unit_id=query.unit_id,
        page=query.page, page_size=query.page_size)
    groups = viewing.by_application(session(), user, rows)
    return {"items": [schemas.application(a, groups[a.id], user.id) for a in rows], "total": total,
            "page": query.page, "page_size": query.page_size}


def _shaped(application: Any, user: Any) -> dict:
    """One application as ``user`` may see it, with what its draft still lacks."""
    return schemas.application(application, viewing.groups_for(session(), user, application), user.id,
                               applications.missing_fields(application))


@bp.post("/applications")
@operation("Create a draft application (starts its process instance)", body=ApplicationCreate, ok=201,
           response=ApplicationRead, errors=(400, 401, 403, 409), allowed=policies.can_create_application)
def create(body: ApplicationCreate) -> tuple[dict, int]:
    user = current_user()
    application = applications.create_application(
        session=session(), services=services(), user=user, campaign_id=body.campaign_id,
        fields=body.model_dump(exclude_unset=True, exclude={"campaign_id"}))
    return _shaped(application, user), 201


@bp.get("/applications/<int:application_id>")
@operation("One application with what is still missing", response=ApplicationRead)
def get(application_id: int) -> dict:
    user = current_user()
    application = applications.get_application(session=session(), user=user, application_id=application_id)
    return _shaped(application, user)


@bp.put("/applications/<int:application_id>")
@bp.patch("/applications/<int:application_id>")
@operation("Save draft fields (the fields sent change, the others stay)", body=ApplicationUpdate,
           response=ApplicationRead, errors=(400, 401, 403, 404, 409))
def update(application_id: int, body: ApplicationUpdate) -> dict:
    user = current_user()
    application = applications.update_draft(session=session(), user=user, application_id=application_id,
                                            fields=body.model_dump(exclude_unset=True))
    return _shaped(application, user)


@bp.post("/applications/<int:application_id>/withdraw")
@operation("Withdraw the unit's application before shortlisting (its process is cancelled; it no longer counts "
           "against the unit's limit)", body=ApplicationWithdraw, response=ApplicationRead,
           errors=(401, 403, 404, 409))
def withdraw(application_id: int, body: ApplicationWithdraw) -> dict:
    user = current_user()
    application = applications.withdraw_application(session=session(), services=services(), user=user,
                                                     application_id=application_id, reason=body.reason)
    return _shaped(application, user)
