"""Process definitions, instances and the indexed rows the service queries.

The serialized workflow in ``process_instances.state`` is the engine's truth;
``tasks``, ``timers`` and ``instance_events`` are written in the same
transaction so lists and sweeps never load a workflow.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.catalogue import shown
from service.extensions import Base
from service.models.org import OrgUnit
from service.models.types import JsonType, UtcDateTime


class ProcessDefinition(Base):
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_definition_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    # Deferred: instances join their definition on every lock, but the engine reads the spec
    # only when its cache misses, and the XML only the modeler and the API serve.
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JsonType)
    checksum: Mapped[str] = mapped_column(String(64))
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    comment: Mapped[str] = mapped_column(String(500), default="")

    @property
    def cache_key(self) -> str:
        return f"{self.id}:{self.checksum}"


class ProcessInstance(Base):
    __tablename__ = "process_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    business_key: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    end_event: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(Text)
    variables: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The instance's scope, fixed at its start (policies.LANE_SCOPE says which lane takes which):
    # every task of a unit lane belongs to ``unit_id``, every vetter task to ``supervising_union_id``.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    supervising_union_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    """The union whose campaign this instance runs in (None: the federation's): its federation-level lanes'
    tasks belong to that union's people."""
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": revision}


class Task(Base):
    """One user task as people see it (Camunda's ACT_RU_TASK)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_role_unit", "state", "role", "unit_id"),
        Index("ix_tasks_open_assignee", "state", "assignee_id"),
        Index("ix_tasks_open_due", "state", "due_at"),
        # The two halves of the inbox's candidate filter, so a pool query does not recheck
        # every assigned scoring row (bench/README.md, inbox_p95_ms).
        Index("ix_tasks_open_candidate", "candidate_user_id", "due_at", "id",
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
        Index("ix_tasks_open_pool", "role", "unit_id", "due_at", "id",
              postgresql_where=text("state = 'open' AND candidate_user_id IS NULL"),
              sqlite_where=text("state = 'open' AND candidate_user_id IS NULL")),
        # Federation-wide pool rows, already in inbox order (migration 0005 says why).
        Index("ix_tasks_open_pool_wide", "role", "due_at", "id",
              postgresql_where=text("state = 'open' AND candidate_user_id IS NULL AND unit_id IS NULL"),
              sqlite_where=text("state = 'open' AND candidate_user_id IS NULL AND unit_id IS NULL")),
        # Items waiting at a message catch event for a meeting's decision (a meeting's list).
        Index("ix_tasks_waiting_message", "message", "application_id",
              postgresql_where=text("state = 'waiting'"), sqlite_where=text("state = 'waiting'")),
        # The service finds work by its kind (service/work_kinds.py: the form key), never by element id.
        Index("ix_tasks_kind_state", "form_key", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engine_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str | None] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    """The union whose campaign the task belongs to (its instance's owner; None: the federation's)."""
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    candidate_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    reminders_sent: Mapped[list[str]] = mapped_column(JsonType, default=list)
    message: Mapped[str | None] = mapped_column(String(80))
    """Set on the row of a message catch event: the item waits (state ``waiting``) for a meeting to decide it;
    the meeting's decision completes it (``completed_by`` the deciding person, ``data`` the item's decision)."""

    owner: Mapped["OrgUnit | None"] = relationship(foreign_keys=[owner_unit_id], lazy="select")


class Timer(Base):
    """A waiting BPMN timer, indexed by when it is due (Camunda's ACT_RU_JOB)."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_waiting_due", "state", "due_at"),
        UniqueConstraint("engine_task_id", "due_at", name="uq_timer_task_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(20))
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class InstanceEvent(Base):
    """What happened in an instance, in order: the full history."""

    __tablename__ = "instance_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    element_type: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonType)


class Incident(Base):
    """An element that failed while its instance ran (Camunda's ACT_RU_INCIDENT).

    The instance waits at ``element_id`` (its engine task in ERROR) until the
    office fixes the cause and retries; ``error``, ``data`` and ``failed_at`` are
    the latest failure's, ``attempts`` counts the failures.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_state_failed", "state", "failed_at"),
        Index("ix_incidents_instance_state", "instance_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(120))
    element_name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    caused_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def message(self) -> str:
        """What failed, in the reader's language: a handler's message is kept as msgid and parameters."""
        found = (self.data or {}).get("message")
        return shown(found) if found else self.error
