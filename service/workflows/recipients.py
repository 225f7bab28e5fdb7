"""Who receives a notification: users by role, a task's candidates, a notify effect's target."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Task, User, UserRole


def users_with_role(session: Session, role: str, unit_id: int | None = None) -> list[User]:
    """Active users holding ``role`` (in ``unit_id`` when given), ordered by id."""
    query = select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role,
                                                                          User.is_active.is_(True))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list(session.scalars(query.order_by(User.id)).unique())


def task_recipients(session: Session, task: Task) -> list[User]:
    """The assignee, else the named candidate, else everyone who may claim the task."""
    for user_id in (task.assignee_id, task.candidate_user_id):
        if user_id is not None:
            user = session.get(User, user_id)
            return [user] if user is not None and user.is_active else []
    return users_with_role(session, task.role, task.unit_id)


def effect_recipients(session: Session, request: dict[str, Any], unit_scope: Callable[[str], int | None]) -> list[User]:
    """Users named by a ``notify`` handler's result ({to: role | unit_role | user, ...})."""
    to = request.get("to")
    if to == "user" and isinstance(request.get("user_id"), int):
        user = session.get(User, request["user_id"])
        return [user] if user is not None and user.is_active else []
    role = request.get("role") or ""
    if to == "unit_role":
        unit_id = unit_scope(role)
        return users_with_role(session, role, unit_id) if unit_id is not None else []
    if to == "role":
        return users_with_role(session, role)
    return []
