"""Process instances and their history."""
from __future__ import annotations

from typing import Annotated, Any

from service.schemas.base import From, Read
from service.schemas.common import Paging


class InstanceQuery(Paging):
    status: str | None = None


class InstanceRead(Read):
    """An instance as the viewer may see it (variables and fields the viewer may not see are left out)."""

    id: int | None = None
    definition_id: int | None = None
    definition_key: Annotated[str | None, From("definition.key")] = None
    definition_version: Annotated[int | None, From("definition.version")] = None
    business_key: str | None = None
    status: str | None = None
    end_event: str | None = None
    variables: dict[str, Any] | None = None
    started_at: str | None = None
    ended_at: str | None = None
    revision: int | None = None
    active_elements: list[str] | None = None


class EventRead(Read):
    """One history entry (who did a step may be private)."""

    id: int | None = None
    element_id: str | None = None
    name: str | None = None
    element_type: str | None = None
    at: str | None = None
    actor_id: int | None = None
    detail: Any = None
