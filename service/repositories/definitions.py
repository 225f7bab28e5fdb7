"""Deployed process definitions (versions per key)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import ProcessDefinition


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
