"""The office's view of notification delivery."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.schemas.base import Read
from service.schemas.common import MAX_ID, Paging

Status = Literal["pending", "sending", "sent", "failed", "dead"]


class NotificationQuery(Paging):
    status: Status | Literal[""] | None = None
    campaign_id: int | None = Field(None, ge=1, le=MAX_ID)
    recipient_user_id: int | None = Field(None, ge=1, le=MAX_ID)


class NotificationRead(Read):
    id: int | None = None
    dedupe_key: str | None = None
    channel: str | None = None
    template: str | None = None
    recipient_user_id: int | None = None
    recipient_name: str | None = None
    campaign_id: int | None = None
    status: str | None = None
    attempts: int | None = None
    created_at: str | None = None
    next_attempt_at: str | None = None
    sent_at: str | None = None
    last_error: str | None = None
    provider_id: str | None = None


class Summary(Read):
    pending: int
    sending: int
    sent: int
    failed: int
    dead: int
