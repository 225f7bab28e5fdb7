"""Timer rows: what is due, what falls due soon, and an instance's due timers under its lock."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.models import ProcessInstance, Timer


def due_query(now: datetime, limit: int = 200) -> Select[Any]:
    """Instances with a waiting timer due by ``now``, earliest first: a range scan of ix_timers_waiting_due."""
    return (select(Timer.instance_id, func.min(Timer.due_at).label("due"))
            .where(Timer.state == "waiting", Timer.due_at <= now)
            .group_by(Timer.instance_id).order_by(func.min(Timer.due_at)).limit(limit))


def due_instance_ids(session: Session, *, now: datetime, limit: int = 200) -> list[int]:
    return [r.instance_id for r in session.execute(due_query(now, limit))]


def upcoming(session: Session, *, after: datetime, until: datetime, limit: int = 200) -> list[tuple[int, datetime]]:
    """(instance id, due_at) of waiting timers due in (after, until]: what to queue with an ETA."""
    rows = session.execute(
        select(Timer.instance_id, Timer.due_at)
        .where(Timer.state == "waiting", Timer.due_at > after, Timer.due_at <= until)
        .order_by(Timer.due_at).limit(limit))
    return [(r.instance_id, r.due_at) for r in rows]


def next_due(session: Session) -> datetime | None:
    """When the earliest waiting timer is due (None if nothing waits)."""
    return session.scalar(select(func.min(Timer.due_at)).where(Timer.state == "waiting"))


def lock_instance_to_fire(session: Session, instance_id: int, *, skip_locked: bool) -> ProcessInstance | None:
    """The instance row locked for firing; with ``skip_locked`` None when another worker holds it."""
    return session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id)
        .with_for_update(of=ProcessInstance, skip_locked=skip_locked).execution_options(populate_existing=True))


def due_of_instance(session: Session, instance_id: int, now: datetime) -> list[Timer]:
    """The instance's waiting timers due by ``now`` (read under its lock)."""
    return list(session.scalars(select(Timer).where(
        Timer.instance_id == instance_id, Timer.state == "waiting", Timer.due_at <= now)))
