"""The public notice (公示): publishing it, reading it without a login, objections and the office's findings."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictInt, StrictStr

from service.schemas.base import Body, Query, Read
from service.schemas.common import MAX_ID


class NoticePublish(Body):
    """Publish the campaign's confirmed list; ``application_ids`` publishes only these confirmed items (a notice
    of items decided again after an upheld objection)."""

    application_ids: list[StrictInt] | None = Field(None, max_length=10000)


class NoticeItemRead(Read):
    """An item as the notice lists it (its score only to the deciding roles)."""

    id: int | None = None
    application_id: int | None = None
    position: int | None = None
    unit_name: str | None = None
    theme: str | None = None
    grade: str | None = None
    status: str | None = None
    status_name: str | None = None
    final_score: float | None = None


class NoticeRead(Read):
    """A notice: its period in Asia/Shanghai, its status (code and Chinese name) and its items."""

    id: int | None = None
    campaign_id: int | None = None
    campaign_name: str | None = None
    year: int | None = None
    status: str | None = None
    status_name: str | None = None
    working_days: int | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    finalised_at: str | None = None
    objections_open: bool | None = None
    reexamining: int | None = None
    items: list[NoticeItemRead] | None = None
    published_by: int | None = None
    pending_objections: int | None = None


class ObjectionCreate(Body):
    """A real-name objection to one item of an open notice: name, a phone number or e-mail address, the reasons."""

    notice_id: StrictInt = Field(ge=1, le=MAX_ID)
    item_id: StrictInt = Field(ge=1, le=MAX_ID)
    name: StrictStr = Field(max_length=50)
    contact: StrictStr = Field(max_length=100)
    reason: StrictStr = Field(max_length=2000)


class ObjectionRead(Read):
    """An objection: its reference, state and finding to whoever holds the reference; who filed it, to the office."""

    id: int | None = None
    reference: str | None = None
    notice_id: int | None = None
    application_id: int | None = None
    theme: str | None = None
    unit_name: str | None = None
    status: str | None = None
    status_name: str | None = None
    filed_at: str | None = None
    found_at: str | None = None
    finding_reasons: str | None = None
    found_by: int | None = None
    name: str | None = None
    contact: str | None = None
    reason: str | None = None


class ObjectionQuery(Query):
    campaign_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: Literal["pending", "upheld", "dismissed"] | None = None


class FindingCreate(Body):
    """The office's finding: upheld (the item goes back to the group's decision) or dismissed, with reasons."""

    finding: Literal["upheld", "dismissed"]
    reasons: StrictStr = Field(min_length=1, max_length=2000)
