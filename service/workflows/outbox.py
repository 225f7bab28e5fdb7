"""The notification outbox: rows written with the change that caused them, delivered later.

Life of a row::

    pending ──claim──▶ sending ──▶ sent                 (handed over; never sent again)
       ▲                  │──────▶ failed               (permanent error: bad address, 5xx)
       └──── backoff ─────┘──────▶ dead                 (transient errors, attempts exhausted)

``dedupe_key`` is unique, so a reminder computed twice (two sweeps, two beats)
is stored once. ``deliver`` commits ``sending`` before it talks to the channel
and ``sent`` before it returns, so a Celery job redelivered after a crash (the
tasks use ``acks_late``) finds the row finished and does nothing. A ``sending``
row whose lease (``next_attempt_at``) ran out is retried: the only window for a
second copy is a crash between the SMTP hand-over and that commit, and the
copies then share a Message-ID derived from the dedupe key. So the promise is:
each e-mail is delivered once, or (after a crash in that window) exactly once
more, with the same Message-ID; an in-app message is written in the ``sent``
transaction and so exists once whatever happens (test_celery_worker.py).
"""
from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from notifications import (
    ChannelNotConfigured,
    Dispatcher,
    InAppSink,
    Notification,
    NotificationError,
    PermanentDeliveryError,
    Recipient,
    TransientDeliveryError,
)
from service import clock, faults
from service.models import InboxMessage, OutboxMessage

LOGGER = logging.getLogger(__name__)

FINAL = frozenset({"sent", "failed", "dead"})
DEFAULT_CHANNELS = ("email", "inapp")
DispatcherFactory = Callable[[InAppSink], Dispatcher]


def dispatcher_factory(environ: Mapping[str, str]) -> DispatcherFactory:
    """Dispatchers configured from SMTP_* / SMS_* in ``environ`` (``Settings.extra``: the environment read)."""
    env = dict(environ)
    return lambda sink: Dispatcher.from_env(env, inapp_sink=sink)


class Reachable(Protocol):
    """What the outbox needs of a recipient: a ``User`` or a ``recipients.Addressee`` row."""

    @property
    def id(self) -> int: ...
    @property
    def display_name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def locale(self) -> str | None: ...
    @property
    def is_active(self) -> bool: ...


def recipient_json(user: Reachable) -> dict[str, Any]:
    return {"user_id": user.id, "name": user.display_name, "email": user.email, "phone": user.phone,
            "locale": user.locale or "zh-CN"}


def channels_for(user: Reachable, wanted: Iterable[str] = DEFAULT_CHANNELS) -> list[str]:
    """The wanted channels this user can be reached on (e-mail needs an address, SMS a phone)."""
    usable = []
    for channel in wanted:
        if channel == "email" and not user.email:
            continue
        if channel == "sms" and not user.phone:
            continue
        usable.append(channel)
    return usable


def enqueue(session: Session, *, key: str, user: Reachable, template: str, context: dict[str, Any],
            campaign_id: int | None = None, channels: Iterable[str] = DEFAULT_CHANNELS) -> int:
    """Queue ``template`` for ``user`` on each channel, once per ``key``; returns rows added.

    Runs in the caller's transaction (INSERT ... ON CONFLICT (dedupe_key) DO NOTHING),
    so the notification exists exactly when the change that caused it commits.
    """
    return insert_rows(session, rows_for(key=key, user=user, template=template, context=context,
                                         campaign_id=campaign_id, channels=channels))


def rows_for(*, key: str, user: Reachable, template: str, context: dict[str, Any], campaign_id: int | None = None,
             channels: Iterable[str] = DEFAULT_CHANNELS, now: datetime | None = None) -> list[dict[str, Any]]:
    """The rows ``enqueue`` writes, for callers that gather a whole step's rows into one ``insert_rows``.

    None for an inactive user; one per channel the user can be reached on.
    """
    if not user.is_active:
        return []
    at = clock.now() if now is None else now
    recipient = recipient_json(user)
    return [{"dedupe_key": f"{key}:{channel}"[:200], "channel": channel, "recipient_user_id": user.id,
             "recipient": recipient, "template": template, "context": context, "campaign_id": campaign_id,
             "status": "pending", "attempts": 0, "next_attempt_at": at, "created_at": at}
            for channel in channels_for(user, channels)]


def insert_rows(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Write outbox rows (from ``rows_for``) in the caller's transaction; returns how many were new.

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


@functools.cache
def _insert_statement(dialect: str) -> ReturningInsert[tuple[int]]:
    """Built once per dialect: constructing the statement cost a third of each old ``enqueue``."""
    table = OutboxMessage.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Ids of rows to hand to deliverers now, their lease pushed forward; the caller commits.

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
        # A ``sending`` row found here outlived its lease: its deliverer died mid-send. Back to
        # ``pending`` so the next deliverer takes it; the new lease keeps other sweeps off meanwhile.
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(next_attempt_at=now + lease, status="pending")
                        .execution_options(synchronize_session=False))
    return ids


def backoff(attempts: int, base: float) -> timedelta:
    """Exponential: base, 2·base, 4·base ... capped at six hours."""
    return timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), 6 * 3600))


def deliver(*, session: Session, message_id: int, make_dispatcher: DispatcherFactory, max_attempts: int = 8,
            backoff_seconds: float = 30.0, lease_seconds: float = 120.0, base_url: str = "") -> str:
    """Deliver one outbox row if it still needs delivering; returns its status afterwards."""
    now = clock.now()
    query = select(OutboxMessage).where(OutboxMessage.id == message_id)
    skip = session.get_bind().dialect.name == "postgresql"
    row = session.scalar(query.with_for_update(skip_locked=skip).execution_options(populate_existing=True))
    if row is None:
        session.rollback()
        return "busy" if skip and session.get(OutboxMessage, message_id) is not None else "missing"
    if row.status in FINAL or (row.status == "sending" and row.next_attempt_at > now):
        status = row.status
        session.rollback()
        return status
    row.status, row.attempts = "sending", row.attempts + 1
    row.next_attempt_at = now + timedelta(seconds=lease_seconds)
    session.commit()

    def sink(user_id: int, subject: str, text: str, link: str | None, key: str) -> str:
        existing = session.scalar(select(InboxMessage.id).where(InboxMessage.dedupe_key == key))
        if existing is not None:
            return str(existing)
        message = InboxMessage(user_id=user_id, subject=subject[:300], body=text, link=link, dedupe_key=key,
                               created_at=clock.now())
        session.add(message)
        session.flush()
        return str(message.id)

    recipient = Recipient(**{k: row.recipient.get(k) for k in ("user_id", "name", "email", "phone")},
                          locale=row.recipient.get("locale") or "zh-CN")
    context = dict(row.context or {})
    if isinstance(context.get("link"), str) and context["link"].startswith("/"):
        context["link"] = base_url.rstrip("/") + context["link"]
    notification = Notification(channel=row.channel, recipient=recipient, template=row.template,
                                context=context, dedupe_key=row.dedupe_key)
    try:
        receipt = make_dispatcher(sink).deliver(notification)
    except (PermanentDeliveryError, NotificationError) as exc:
        # a settings problem (ChannelNotConfigured) may be fixed by the operator: retry it too
        transient = isinstance(exc, (TransientDeliveryError, ChannelNotConfigured))
        return _failed(session, message_id, exc, transient, max_attempts, backoff_seconds)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure is retried like a transient one
        LOGGER.exception("outbox %s: unexpected delivery error", message_id)
        return _failed(session, message_id, exc, True, max_attempts, backoff_seconds)
    faults.point(f"outbox.deliver.handed_over.{row.channel}")  # the window in which a crash means a second copy
    row.status, row.sent_at, row.provider_id, row.last_error = "sent", clock.now(), receipt.provider_id, None
    session.commit()
    return "sent"


def _failed(session: Session, message_id: int, exc: BaseException, transient: bool, max_attempts: int,
            backoff_seconds: float) -> str:
    session.rollback()
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    assert row is not None
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if not transient:
        row.status = "failed"
    elif row.attempts >= max_attempts:
        row.status = "dead"
    else:
        row.status = "pending"
        row.next_attempt_at = clock.now() + backoff(row.attempts, backoff_seconds)
    LOGGER.warning("outbox %s (%s) attempt %s: %s -> %s", message_id, row.dedupe_key, row.attempts,
                   row.last_error, row.status)
    session.commit()
    return row.status


def list_messages(*, session: Session, status: str | None = None, campaign_id: int | None = None,
                  recipient_user_id: int | None = None, page: int = 1,
                  page_size: int = 50) -> tuple[list[OutboxMessage], int]:
    """Outbox rows newest first, for the office's delivery view."""
    from sqlalchemy import func

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
    from sqlalchemy import func

    return {status: count for status, count in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}
