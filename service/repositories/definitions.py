"""Deployed process definitions (versions per key)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import ProcessDefinition, ProcessInstance, Task


def by_id(session: Session, definition_id: int) -> ProcessDefinition | None:
    return session.get(ProcessDefinition, definition_id)


def highest_version(session: Session, key: str) -> int:
    """The key's newest version number (0 if none)."""
    return session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key)) or 0


def latest(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                          .order_by(ProcessDefinition.version.desc()).limit(1))


def all_versions(session: Session, key: str | None = None) -> list[ProcessDefinition]:
    """Every version (of ``key``), by key and newest first."""
    query = select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    if key:
        query = query.where(ProcessDefinition.key == key)
    return list(session.scalars(query))


def open_instance_count(session: Session, definition_id: int) -> int:
    """How many instances of this version are still running."""
    return session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.definition_id == definition_id, ProcessInstance.status == "active")) or 0


def open_tasks_at(session: Session, definition_id: int, element_ids: list[str]) -> dict[str, int]:
    """For each of ``element_ids``, how many running instances of this version wait there (open tasks)."""
    if not element_ids:
        return {}
    rows = session.execute(
        select(Task.element_id, func.count(func.distinct(Task.instance_id)))
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .where(ProcessInstance.definition_id == definition_id, ProcessInstance.status == "active",
               Task.state.in_(("open", "waiting")), Task.element_id.in_(element_ids))
        .group_by(Task.element_id))
    return {element: count for element, count in rows}
