"""Decisions taken on an application: its completed steps of given forms, newest first."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Task


def latest_completed(session: Session, application_id: int, form_keys: list[str]) -> Task | None:
    """The application's most recently completed task of one of ``form_keys`` (None: none was)."""
    return session.scalar(select(Task).where(Task.application_id == application_id, Task.state == "completed",
                                             Task.form_key.in_(form_keys))
                          .order_by(Task.completed_at.desc(), Task.id.desc()).limit(1))
