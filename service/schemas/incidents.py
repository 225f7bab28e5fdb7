"""Incidents: what failed while an instance ran (the office's and the administrator's view)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from service.schemas.base import Read
from service.schemas.common import MAX_ID, Paging

State = Literal["open", "resolved", "all"]


class IncidentQuery(Paging):
    state: State = "open"
    campaign_id: int | None = Field(None, ge=1, le=MAX_ID)
    instance_id: int | None = Field(None, ge=1, le=MAX_ID)


class IncidentRead(Read):
    """An incident as the viewer may see it (what the failed handler was given: only to those who see scorers)."""

    id: int | None = None
    instance_id: int | None = None
    application_id: int | None = None
    element_id: str | None = None
    element_name: str | None = None
    state: str | None = None
    error: str | None = None
    message: str | None = Field(None, description="What failed, in the reader's language (the handler's own message "
                                "where it gave one, else ``error``)")
    data: dict[str, Any] | None = None
    attempts: int | None = None
    created_at: str | None = None
    failed_at: str | None = None
    caused_by: int | None = None
    resolved_at: str | None = None
    resolved_by: int | None = None
