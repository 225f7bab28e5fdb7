"""Tasks: mine and my roles', claim, unclaim, complete, and the form."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from service.api import schemas
from service.api.common import current_user, int_arg, json_body, paging, services, session
from service.auth import visibility
from service.errors import ValidationFailed
from service.workflows import tasks, viewing

bp = Blueprint("tasks", __name__)
STATES = {"open", "completed", "cancelled", "all"}


@bp.get("/tasks")
def list_() -> dict:
    state = request.args.get("state", "open")
    if state not in STATES:
        raise ValidationFailed([{"field": "state", "message": f"must be one of {sorted(STATES)}"}])
    assigned = request.args.get("assigned")
    if assigned not in (None, "me", "none"):
        raise ValidationFailed([{"field": "assigned", "message": "must be 'me' or 'none'"}])
    page, size = paging()
    user = current_user()
    found = tasks.list_tasks(session=session(), user=user, state=state,
                             role=request.args.get("role"), stage=request.args.get("stage"),
                             application_id=int_arg("application_id"), assigned=assigned,
                             page=page, page_size=size)
    groups = viewing.by_application_id(session(), user, {t.application_id for t in found.items})
    return {"items": [schemas.task(t, groups[t.application_id], user.id) for t in found.items], "total": found.total,
            "total_exact": found.total_exact, "page": page, "page_size": size}


def _shaped(task: Any, user: Any) -> dict:
    """One task as ``user`` may see it (its application's visibility; one's own task in full)."""
    return schemas.task(task, viewing.by_application_id(session(), user, [task.application_id])[task.application_id],
                        user.id)


def _acted(task: Any, user: Any) -> dict:
    """The task after the user's own claim, release or completion (visibility.ACTING: nothing read after the commit)."""
    return schemas.task(task, visibility.ACTING, user.id)


@bp.get("/tasks/<int:task_id>")
def get(task_id: int) -> dict:
    user = current_user()
    return _shaped(tasks.get_task(session=session(), user=user, task_id=task_id), user)


@bp.get("/tasks/<int:task_id>/form")
def form(task_id: int) -> dict:
    return tasks.form_for(session=session(), services=services(), user=current_user(), task_id=task_id)


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id: int) -> dict:
    user = current_user()
    return _acted(tasks.claim(session=session(), user=user, task_id=task_id), user)


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim(task_id: int) -> dict:
    user = current_user()
    return _acted(tasks.unclaim(session=session(), user=user, task_id=task_id), user)


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id: int) -> dict:
    user = current_user()  # authenticate before looking at the body
    body = json_body()
    data = body.get("variables", body)
    if not isinstance(data, dict):
        raise ValidationFailed([{"field": "variables", "message": "must be an object"}])
    return _acted(tasks.complete(session=session(), services=services(), user=user, task_id=task_id, data=data),
                  user)
