"""Applications."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Application


def by_ids(session: Session, ids: Iterable[int]) -> list[Application]:
    """The applications with these ids (unknown ids are skipped)."""
    wanted = list(ids)
    if not wanted:
        return []
    return list(session.scalars(select(Application).where(Application.id.in_(wanted))))
