"""Process instances: state, active elements and full history."""
from __future__ import annotations

from flask import Blueprint

from service.catalogue import _
from service.api import schemas
from service.api.common import current_user, session
from service.api.contract import operation
from service.auth import policies
from service.errors import Forbidden
from service.schemas.common import Items, Page
from service.schemas.instances import EventRead, InstanceQuery, InstanceRead
from service.workflows import instances, viewing

bp = Blueprint("instances", __name__)


@bp.get("/process-instances")
@operation("Instances (federation roles)", query=InstanceQuery, response=Page[InstanceRead])
def list_(query: InstanceQuery) -> dict:
    user = current_user()
    if not policies.sees_all_applications(user):
        raise Forbidden(_("只有联合会的角色可以列出所有流程实例；请从申报打开其中一个"))
    page, size = query.page, query.page_size
    rows, total = instances.list_instances(session=session(), status=query.status, page=page, page_size=size)
    groups = viewing.by_instance_id(session(), user, [i.id for i in rows])
    return {"items": [schemas.instance(i, groups[i.id], user.id) for i in rows], "total": total, "page": page,
            "page_size": size}


@bp.get("/process-instances/<int:instance_id>")
@operation("State and active elements", response=InstanceRead)
def get(instance_id: int) -> dict:
    user = current_user()
    instance = instances.get_visible_instance(session=session(), user=user, instance_id=instance_id)
    groups = viewing.by_instance_id(session(), user, [instance.id])[instance.id]
    return schemas.instance(instance, groups, user.id, instances.active_elements(session(), instance))


@bp.get("/process-instances/<int:instance_id>/history")
@operation("Everything that happened, in order", response=Items[EventRead])
def history(instance_id: int) -> dict:
    user = current_user()
    instance = instances.get_visible_instance(session=session(), user=user, instance_id=instance_id)
    groups = viewing.by_instance_id(session(), user, [instance.id])[instance.id]
    lanes = {element: info.get("role", "") for element, info in instance.definition.meta["user_tasks"].items()}
    return {"items": [schemas.event(e, lanes, groups, user.id) for e in instances.history(session(), instance.id)]}
