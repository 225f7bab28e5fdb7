"""Who holds which open task: the checks behind reassigning and delegating."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Task


def holds_same_step(session: Session, task: Task, user_id: int) -> bool:
    """Does ``user_id`` hold another open task of the same element in the same instance (one sheet per scorer)?"""
    return session.scalar(select(Task.id).where(
        Task.instance_id == task.instance_id, Task.element_id == task.element_id, Task.state == "open",
        Task.id != task.id, (Task.candidate_user_id == user_id) | (Task.assignee_id == user_id)).limit(1)) is not None
