"""The public notice (公示): the office publishes it; anyone reads it and files an objection without a login;
the office records its findings."""
from __future__ import annotations

from flask import Blueprint

from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies
from service.schemas.common import Items
from service.schemas.notices import (FindingCreate, NoticePublish, NoticeRead, ObjectionCreate, ObjectionQuery,
                                     ObjectionRead)
from service.workflows import public_notice

bp = Blueprint("public_notices", __name__)


@bp.post("/campaigns/<int:campaign_id>/notices")
@operation("Publish the campaign's confirmed list as a public notice (公示) for its notice period in working days; "
           "a 409 names every item not yet confirmed", body=NoticePublish, ok=201, response=NoticeRead,
           errors=(401, 403, 404, 409), allowed=policies.can_run_public_notice)
def publish(campaign_id: int, body: NoticePublish) -> tuple[dict, int]:
    user = current_user()
    notice = public_notice.publish(session=session(), user=user, campaign_id=campaign_id,
                                   application_ids=body.application_ids)
    return public_notice.notice_view(session(), notice, user), 201


@bp.get("/public/notices")
@operation("Public notices, current and past, newest first (no login: only what is public)",
           response=Items[NoticeRead], errors=(), secured=False)
def list_public() -> dict:
    return {"items": [public_notice.notice_view(session(), n, None) for n in public_notice.notices(session())]}


@bp.get("/public/notices/<int:notice_id>")
@operation("One public notice (no login: only what is public)", response=NoticeRead, errors=(404,), secured=False)
def get_public(notice_id: int) -> dict:
    return public_notice.notice_view(session(), public_notice.get_notice(session(), notice_id), None)


@bp.post("/public/objections")
@operation("File a real-name objection to an item of an open notice (no login; limited per address, "
           "OBJECTIONS_PER_HOUR); the answer carries its reference", body=ObjectionCreate, ok=201,
           response=ObjectionRead, errors=(404, 409, 422, 429), secured=False)
def file_objection(body: ObjectionCreate) -> tuple[dict, int]:
    objection = public_notice.file_objection(session=session(), notice_id=body.notice_id, item_id=body.item_id,
                                             name=body.name, contact=body.contact, reason=body.reason)
    return public_notice.objection_view(objection, None), 201


@bp.get("/public/objections/<string:key>")
@operation("An objection by its reference: its state and, once made, the office's finding (no login)",
           response=ObjectionRead, errors=(404,), secured=False)
def objection_by_reference(key: str) -> dict:
    return public_notice.objection_view(public_notice.objection_by_reference(session(), key), None)


@bp.get("/objections")
@operation("Objections to the public notices, newest first (office)", query=ObjectionQuery,
           response=Items[ObjectionRead], errors=(401, 403), allowed=policies.can_run_public_notice)
def list_objections(query: ObjectionQuery) -> dict:
    user = current_user()
    found = public_notice.objections(session=session(), user=user, campaign_id=query.campaign_id, status=query.status)
    return {"items": [public_notice.objection_view(o, user) for o in found]}


@bp.post("/objections/<int:objection_id>/finding")
@operation("Record the office's finding on an objection (upheld: the item goes back to the group's grade "
           "decision; dismissed), with reasons", body=FindingCreate, response=ObjectionRead,
           errors=(401, 403, 404, 409, 422), allowed=policies.can_run_public_notice)
def finding(objection_id: int, body: FindingCreate) -> dict:
    user = current_user()
    objection = public_notice.record_finding(session=session(), services=services(), user=user,
                                             objection_id=objection_id, finding=body.finding, reasons=body.reasons)
    return public_notice.objection_view(objection, user)
