"""User tasks: lists, one task, and completing one with its form's data."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from service.schemas.base import Body, From, Open, Read
from service.schemas.common import MAX_ID, Page, Paging


class TaskQuery(Paging):
    state: Literal["open", "completed", "cancelled", "all"] = "open"
    assigned: Literal["me", "none"] | None = None
    role: str | None = Field(None, max_length=80)
    stage: str | None = Field(None, max_length=80)
    application_id: int | None = Field(None, ge=1, le=MAX_ID)


class CompleteBody(Open):
    """The form's answers, as the form schema of the task (GET /api/tasks/{id}/form) declares them;
    ``{"variables": {...}}`` is accepted as well. ``confirm: true`` confirms an irreversible submit (a task whose
    form says ``x-irreversible``, e.g. a scorer's sheet); it is not part of the answers."""

    confirm: bool | None = Field(default=None, strict=True)


class ReassignBody(Body):
    """Who takes the task, and why (the reason goes to both people and the audit trail)."""

    user_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=500)


class DelegateBody(Body):
    """The colleague (same role, same unit) who takes the task over; a reason is optional."""

    user_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field("", max_length=500)


class TaskRead(Read):
    """A task as the viewer may see it (one's own task in full)."""

    id: int | None = None
    name: str | None = None
    element_id: str | None = None
    role: str | None = None
    form_key: str | None = None
    stage: str | None = None
    state: str | None = None
    unit_id: int | None = None
    application_id: int | None = None
    process_instance_id: Annotated[int | None, From("instance_id")] = None
    candidate_user_id: int | None = None
    assignee_id: int | None = None
    due_at: str | None = None
    created_at: str | None = None
    claimed_at: str | None = None
    completed_at: str | None = None
    completed_by: int | None = None
    data: dict[str, Any] | None = None


class TaskPage(Page[TaskRead]):
    total_exact: bool
