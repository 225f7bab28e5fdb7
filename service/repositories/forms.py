"""Deployed task forms (versions per key)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import FormDefinition


def newest_id(session: Session) -> int | None:
    """The id of the form deployed last (a cheap change check)."""
    return session.scalar(select(func.max(FormDefinition.id)))


def latest_of_each_key(session: Session) -> list[FormDefinition]:
    latest = (select(FormDefinition.key, func.max(FormDefinition.version).label("v"))
              .group_by(FormDefinition.key).subquery())
    return list(session.scalars(select(FormDefinition).join(
        latest, (FormDefinition.key == latest.c.key) & (FormDefinition.version == latest.c.v))))


def latest(session: Session, key: str) -> FormDefinition | None:
    return session.scalar(select(FormDefinition).where(FormDefinition.key == key)
                          .order_by(FormDefinition.version.desc()).limit(1))


def versions(session: Session, key: str) -> list[FormDefinition]:
    return list(session.scalars(select(FormDefinition).where(FormDefinition.key == key)
                                .order_by(FormDefinition.version.desc())))


def version(session: Session, key: str, number: int) -> FormDefinition | None:
    """Version ``number`` of form ``key``, if deployed."""
    return session.scalar(select(FormDefinition).where(FormDefinition.key == key, FormDefinition.version == number))
