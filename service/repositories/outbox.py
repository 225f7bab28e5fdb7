"""The notification outbox and the in-app inbox rows it writes."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from service.models import InboxMessage, OutboxMessage


def insert_new(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Write outbox rows in the caller's transaction; returns how many were new.

    One prepared INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id is
    executed with all the rows: SQLAlchemy's "insertmanyvalues" sends it as a
    single multi-row statement (up to 1000 rows a page) on SQLite and
    PostgreSQL, where a plain executemany would be one statement per row.
    A key repeated in ``rows`` keeps its first row, as separate inserts would.
    """
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["dedupe_key"], row)
    if not unique:
        return 0
    statement = _insert_statement(session.get_bind().dialect.name)
    return len(session.execute(statement, list(unique.values())).all())


def insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """``insert_new`` for thousands of rows whose count nobody reads (an organisation import's invitations).

    Without RETURNING the driver sends one small prepared statement per row in a
    pipeline (psycopg) or executemany (SQLite), where a multi-row statement of
    1,000 rows cost more to build and convert than to run (psycopg converts its text in Python).
    """
    if rows:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)


@functools.cache
def _insert_statement(dialect: str) -> ReturningInsert[tuple[int]]:
    """Built once per dialect: constructing the statement cost a third of each old ``enqueue``."""
    table = OutboxMessage.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Ids of rows due now, their lease pushed forward and set back to ``pending``.

    Uses the (status, next_attempt_at) index; on PostgreSQL concurrent sweeps
    skip each other's rows (FOR UPDATE SKIP LOCKED), on SQLite the write lock
    taken by BEGIN IMMEDIATE serialises them.
    """
    query = (select(OutboxMessage.id)
             .where(OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(next_attempt_at=now + lease, status="pending")
                        .execution_options(synchronize_session=False))
    return ids


def lock_message(session: Session, message_id: int, *, skip_locked: bool) -> OutboxMessage | None:
    """The row locked for delivery; with ``skip_locked`` None when another deliverer holds it."""
    query = select(OutboxMessage).where(OutboxMessage.id == message_id)
    return session.scalar(query.with_for_update(skip_locked=skip_locked).execution_options(populate_existing=True))


def message(session: Session, message_id: int, *, fresh: bool = False) -> OutboxMessage | None:
    """The row (``fresh``: read again from the database)."""
    return session.get(OutboxMessage, message_id, populate_existing=fresh)


def inbox_id_for(session: Session, dedupe_key: str) -> int | None:
    """The in-app message already written under this key, if any."""
    return session.scalar(select(InboxMessage.id).where(InboxMessage.dedupe_key == dedupe_key))


def page_of_messages(session: Session, *, status: str | None, campaign_id: int | None,
                     recipient_user_id: int | None, page: int, page_size: int) -> tuple[list[OutboxMessage], int]:
    """Outbox rows newest first, and how many match."""
    query = select(OutboxMessage)
    if status:
        query = query.where(OutboxMessage.status == status)
    if campaign_id is not None:
        query = query.where(OutboxMessage.campaign_id == campaign_id)
    if recipient_user_id is not None:
        query = query.where(OutboxMessage.recipient_user_id == recipient_user_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(OutboxMessage.id.desc()).offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


def status_counts(session: Session) -> dict[str, int]:
    return {status: count for status, count in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}


def latest_of_campaign(session: Session, campaign_id: int, limit: int = 200) -> list[OutboxMessage]:
    """The campaign's notifications, newest first."""
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
                                .order_by(OutboxMessage.id.desc()).limit(limit)))


def inbox_of(session: Session, user_id: int, limit: int) -> list[InboxMessage]:
    """The user's in-app messages, newest first."""
    return list(session.scalars(select(InboxMessage).where(InboxMessage.user_id == user_id)
                                .order_by(InboxMessage.id.desc()).limit(limit)))


def unread_count(session: Session, user_id: int) -> int:
    return len(list(session.scalars(select(InboxMessage.id).where(InboxMessage.user_id == user_id,
                                                                  InboxMessage.read_at.is_(None)))))


def unread(session: Session, user_id: int, message_id: int | None = None) -> list[InboxMessage]:
    """The user's unread in-app messages (only ``message_id``, when given)."""
    query = select(InboxMessage).where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))
    if message_id is not None:
        query = query.where(InboxMessage.id == message_id)
    return list(session.scalars(query))
