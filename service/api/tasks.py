"""Tasks: mine and my roles', claim, unclaim, complete, and the form."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.catalogue import _
from service.api import schemas
from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import visibility
from service.errors import ValidationFailed
from service.schemas.base import Open
from service.auth import policies
from service.schemas.tasks import CompleteBody, DelegateBody, ReassignBody, TaskPage, TaskQuery, TaskRead
from service.workflows import assignments, tasks, viewing

bp = Blueprint("tasks", __name__)
_ACTED = dict(response=TaskRead, errors=(401, 403, 404, 409))


@bp.get("/tasks")
@operation("My tasks and my roles' tasks, soonest due first; total is exact up to 1,000 (total_exact false: more "
           "than that)", query=TaskQuery, response=TaskPage)
def list_(query: TaskQuery) -> dict:
    user = current_user()
    found = tasks.list_tasks(session=session(), user=user, state=query.state, role=query.role, stage=query.stage,
                             application_id=query.application_id, assigned=query.assigned,
                             page=query.page, page_size=query.page_size)
    groups = viewing.by_application_id(session(), user, {t.application_id for t in found.items})
    return {"items": [schemas.task(t, groups[t.application_id], user.id) for t in found.items], "total": found.total,
            "total_exact": found.total_exact, "page": query.page, "page_size": query.page_size}


def _shaped(task: Any, user: Any) -> dict:
    """One task as ``user`` may see it (its application's visibility; one's own task in full)."""
    return schemas.task(task, viewing.by_application_id(session(), user, [task.application_id])[task.application_id],
                        user.id)


def _acted(task: Any, user: Any) -> dict:
    """The task after the user's own claim, release or completion (visibility.ACTING: nothing read after the commit)."""
    return schemas.task(task, visibility.ACTING, user.id)


@bp.get("/tasks/<int:task_id>")
@operation("One task", response=TaskRead)
def get(task_id: int) -> dict:
    user = current_user()
    return _shaped(tasks.get_task(session=session(), user=user, task_id=task_id), user)


@bp.get("/tasks/<int:task_id>/form")
@operation("The task's form schema (JSON Schema draft 2020-12)", response=Open)
def form(task_id: int) -> dict:
    return tasks.form_for(session=session(), services=services(), user=current_user(), task_id=task_id)


@bp.post("/tasks/<int:task_id>/claim")
@operation("Claim", **_ACTED)
def claim(task_id: int) -> dict:
    user = current_user()
    return _acted(tasks.claim(session=session(), user=user, task_id=task_id), user)


@bp.post("/tasks/<int:task_id>/unclaim")
@operation("Release a claim", **_ACTED)
def unclaim(task_id: int) -> dict:
    user = current_user()
    return _acted(tasks.unclaim(session=session(), user=user, task_id=task_id), user)


@bp.post("/tasks/<int:task_id>/complete")
@operation("Complete with the form's data (validated by the task's form schema); a task whose form is irreversible "
           "(x-irreversible, e.g. a scorer's sheet) needs confirm: true, else 422 naming confirm", body=CompleteBody,
           response=TaskRead, errors=(400, 401, 403, 404, 409, 422))
def complete(task_id: int, body: CompleteBody) -> dict:
    user = current_user()
    data = body.model_extra or {}
    data = data.get("variables", data)
    if not isinstance(data, dict):
        raise ValidationFailed([{"field": "variables", "message": _("须为对象")}])
    return _acted(tasks.complete(session=session(), services=services(), user=user, task_id=task_id, data=data,
                                 confirmed=body.confirm is True), user)


@bp.post("/tasks/<int:task_id>/reassign")
@operation("Reassign an open task to another eligible person, with a reason (office); both people are told",
           body=ReassignBody, response=TaskRead, errors=(401, 403, 404, 409, 422), allowed=policies.can_reassign)
def reassign(task_id: int, body: ReassignBody) -> dict:
    user = current_user()
    done = assignments.reassign(session=session(), user=user, task_id=task_id, to_user_id=body.user_id,
                                reason=body.reason)
    return _shaped(done.task, user)


@bp.post("/tasks/<int:task_id>/delegate")
@operation("Delegate the task you hold to a colleague of the same role and unit; both are told",
           body=DelegateBody, response=TaskRead, errors=(401, 403, 404, 409, 422))
def delegate(task_id: int, body: DelegateBody) -> dict:
    user = current_user()
    done = assignments.delegate(session=session(), user=user, task_id=task_id, to_user_id=body.user_id,
                                reason=body.reason)
    return _shaped(done.task, user)
