"""Process instances: state, active elements and full history."""
from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import func, select

from service.api import schemas
from service.api.common import current_user, paging, session
from service.auth import policies
from service.errors import Forbidden
from service.models import ProcessInstance
from service.workflows import instances

bp = Blueprint("instances", __name__)


@bp.get("/process-instances")
def list_() -> dict:
    user = current_user()
    if not policies.sees_all_applications(user):
        raise Forbidden("listing all process instances is for federation roles; open one through its application")
    page, size = paging()
    query = select(ProcessInstance)
    if request.args.get("status"):
        query = query.where(ProcessInstance.status == request.args["status"])
    total = session().scalar(select(func.count()).select_from(query.subquery()))
    rows = session().scalars(query.order_by(ProcessInstance.id.desc()).offset((page - 1) * size).limit(size))
    return {"items": [schemas.instance(i) for i in rows], "total": total, "page": page, "page_size": size}


@bp.get("/process-instances/<int:instance_id>")
def get(instance_id: int) -> dict:
    instance = instances.get_visible_instance(session=session(), user=current_user(), instance_id=instance_id)
    return schemas.instance(instance, instances.active_elements(session(), instance))


@bp.get("/process-instances/<int:instance_id>/history")
def history(instance_id: int) -> dict:
    instance = instances.get_visible_instance(session=session(), user=current_user(), instance_id=instance_id)
    return {"items": [schemas.event(e) for e in instances.history(session(), instance.id)]}
