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

import logging
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Protocol

from sqlalchemy.orm import Session

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
from service.repositories import outbox as repo

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
    """Write outbox rows (from ``rows_for``) in the caller's transaction, one statement; returns how many were new."""
    return repo.insert_new(session, rows)


def insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """``insert_rows`` for thousands of rows whose count nobody reads (an organisation import's invitations)."""
    repo.insert_many(session, rows)


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Ids of rows to hand to deliverers now, their lease pushed forward; the caller commits.

    A ``sending`` row found here outlived its lease: its deliverer died mid-send. It goes back
    to ``pending`` so the next deliverer takes it; the new lease keeps other sweeps off meanwhile.
    """
    return repo.claim_due(session, now=now, limit=limit, lease=lease)


def backoff(attempts: int, base: float) -> timedelta:
    """Exponential: base, 2·base, 4·base ... capped at six hours."""
    return timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), 6 * 3600))


def deliver(*, session: Session, message_id: int, make_dispatcher: DispatcherFactory, max_attempts: int = 8,
            backoff_seconds: float = 30.0, lease_seconds: float = 120.0, base_url: str = "") -> str:
    """Deliver one outbox row if it still needs delivering; returns its status afterwards."""
    now = clock.now()
    skip = session.get_bind().dialect.name == "postgresql"
    row = repo.lock_message(session, message_id, skip_locked=skip)
    if row is None:
        session.rollback()
        return "busy" if skip and repo.message(session, message_id) is not None else "missing"
    if row.status in FINAL or (row.status == "sending" and row.next_attempt_at > now):
        status = row.status
        session.rollback()
        return status
    row.status, row.attempts = "sending", row.attempts + 1
    row.next_attempt_at = now + timedelta(seconds=lease_seconds)
    session.commit()

    def sink(user_id: int, subject: str, text: str, link: str | None, key: str) -> str:
        existing = repo.inbox_id_for(session, key)
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
    row = repo.message(session, message_id, fresh=True)
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
    return repo.page_of_messages(session, status=status, campaign_id=campaign_id,
                                 recipient_user_id=recipient_user_id, page=page, page_size=page_size)


def status_counts(session: Session) -> dict[str, int]:
    return repo.status_counts(session)
