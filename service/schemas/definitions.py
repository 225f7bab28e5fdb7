"""Process definitions (deployed BPMN versions), their validation, and starting one by key."""
from __future__ import annotations

from typing import Any

from pydantic import Field, StrictStr

from service.schemas.base import Body, Open, Read, Query


class DefinitionQuery(Query):
    key: str | None = Field(None, max_length=80)


class DeployQuery(Query):
    comment: str = Field("", max_length=2000, description="why this version (required; or the form field 'comment')")
    confirm_removed: bool = Field(False, description="deploy although user tasks that running instances of the "
                                                      "current version may reach are removed or renamed (else 409)")


class DurationQuery(Query):
    text: str = Field(min_length=1, max_length=100, description="a duration as typed: '10 个工作日', '7 天', 'P7D'")


class DurationRead(Read):
    value: str = Field(description="what the engine runs, e.g. P10WD")
    text: str = Field(description="how people read it, in the request's language (Accept-Language)")


class DefinitionRead(Read):
    id: int
    key: str
    version: int
    name: str | None
    checksum: str
    deployed_by: int | None
    deployed_at: str | None
    comment: str | None
    user_tasks: dict[str, Any]
    start_variables: list[Any]
    warnings: list[dict[str, Any]]


class ValidationRead(Read):
    valid: bool
    key: str
    name: str | None
    user_tasks: list[str]
    start_variables: list[Any]
    warnings: list[dict[str, Any]]


class StartBody(Body):
    business_key: StrictStr = Field(min_length=1, max_length=120)
    variables: Open = Field(default_factory=Open)


class ChangesQuery(Query):
    from_id: int | None = Field(None, ge=1, description="the older version's id (default: the version before this one)")


class VersionRef(Read):
    id: int
    version: int


class VersionChange(Read):
    kind: str = Field(description="task_added, task_removed, task_renamed, task_id_changed, lane_changed, "
                                  "form_changed, deadline_changed, handler_changed, timer_added, timer_removed, "
                                  "timer_changed, condition_added, condition_removed or condition_changed")
    element: str
    message: str = Field(description="The change in a sentence, in the request's language (Accept-Language)")


class ChangesRead(Read):
    key: str
    older: VersionRef
    newer: VersionRef
    changes: list[VersionChange]
