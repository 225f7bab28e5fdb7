"""Plain data passed into and out of the package.

They are frozen so a notification queued in an outbox cannot be changed half-way
through delivery, and they hold only builtins so the service can build them from
database rows without importing anything from here but these classes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Notification", "Receipt", "Recipient", "Rendered"]


@dataclass(frozen=True)
class Recipient:
    """Who receives a message; each channel uses the contact field it needs."""

    user_id: int | None
    name: str
    email: str | None = None
    phone: str | None = None
    locale: str = "zh-CN"


@dataclass(frozen=True)
class Rendered:
    """A template rendered for one locale.

    ``link`` is copied from the context so the in-app channel can store it as a
    separate column instead of digging it out of the text.
    """

    subject: str
    text: str
    html: str
    link: str | None = None


@dataclass(frozen=True)
class Notification:
    """One message to one recipient over one channel.

    ``dedupe_key`` identifies the logical message (e.g. ``"task_overdue:42:7"``):
    the service uses it to avoid queueing twice and channels pass it on
    (Message-ID, in-app row, SMS gateway) so duplicates can be recognised there.
    """

    channel: str
    recipient: Recipient
    template: str
    context: dict[str, Any] = field(hash=False)
    dedupe_key: str


@dataclass(frozen=True)
class Receipt:
    """Proof of hand-over: the channel and the provider's id for the message."""

    channel: str
    provider_id: str | None
    detail: str
