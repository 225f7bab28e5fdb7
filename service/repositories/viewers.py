"""Queries that say how a viewer stands to applications (for the visibility policy)."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Application, Task


def scored_application_ids(session: Session, user_id: int, application_ids: Iterable[int]) -> set[int]:
    """Of ``application_ids``, those ``user_id`` holds a scoring task for (open or done), in one query."""
    ids = sorted({i for i in application_ids if i is not None})
    if not ids:
        return set()
    return set(session.scalars(select(Task.application_id).where(
        Task.application_id.in_(ids), Task.candidate_user_id == user_id, Task.role == "scorer").distinct()))


def applications_by_id(session: Session, application_ids: Iterable[int]) -> dict[int, Application]:
    ids = sorted({i for i in application_ids if i is not None})
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(ids)))}


def applications_by_instance(session: Session, instance_ids: Iterable[int]) -> dict[int, Application]:
    ids = sorted({i for i in instance_ids if i is not None})
    if not ids:
        return {}
    return {a.instance_id: a for a in session.scalars(select(Application).where(Application.instance_id.in_(ids)))}
