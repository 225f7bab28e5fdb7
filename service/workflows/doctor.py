"""Consistency check of the indexed rows against each instance's workflow state.

The serialized workflow is the engine's truth; ``tasks`` and ``timers`` are
indexes of it written in the same transaction. ``check`` compares them for every
instance and reports each disagreement; ``repair`` re-syncs the rows from the
state through ``steps.plan_step`` and ``steps.write_step``, the same code a normal step uses.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from service import clock
from service.engine import StepResult
from service.models import ProcessInstance
from service.repositories import applications as application_repo
from service.repositories import audit as audit_repo, instances as repo
from service.workflows import audit, calendars, steps
from service.workflows.applications import plan_changes
from service.workflows.definitions import engine_spec
from service.workflows.services import Services


KINDS = ("missing_task", "stray_task", "missing_timer", "stray_timer", "status", "unreadable")
"""Every kind of finding ``check`` reports (tests/integration/test_doctor.py provokes each one)."""


@dataclass(frozen=True)
class Finding:
    """One disagreement between an instance's state and its rows."""

    instance_id: int
    kind: str  # one of KINDS
    detail: str

    def __str__(self) -> str:
        return f"instance {self.instance_id}: {self.kind}: {self.detail}"


def _engine_view(services: Services, instance: ProcessInstance) -> StepResult:
    return services.engine.inspect(**engine_spec(instance.definition), state_json=instance.state)


def _timer_key(engine_task_id: str, due_at: datetime) -> tuple[str, str]:
    return engine_task_id, due_at.astimezone(timezone.utc).isoformat()


def check_instance(session: Session, services: Services, instance: ProcessInstance) -> list[Finding]:
    """Every disagreement for one instance (empty when consistent)."""
    found: list[Finding] = []
    open_rows = {t.engine_task_id: t for t in repo.open_tasks(session, instance.id)}
    waiting_rows = {_timer_key(t.engine_task_id, t.due_at): t for t in repo.waiting_timers(session, instance.id)}
    if instance.status != "active":
        found += [Finding(instance.id, "stray_task", f"task row {t.id} ({t.element_id}) is open but the instance is {instance.status}")
                  for t in open_rows.values()]
        found += [Finding(instance.id, "stray_timer", f"timer row {t.id} ({t.element_id}) is waiting but the instance is {instance.status}")
                  for t in waiting_rows.values()]
        return found
    try:
        view = _engine_view(services, instance)
    except Exception as exc:  # noqa: BLE001 - a state that cannot be read is itself a finding
        return [Finding(instance.id, "unreadable", f"the stored state cannot be restored: {type(exc).__name__}: {exc}")]
    if view.completed:
        found.append(Finding(instance.id, "status", "the workflow has ended but the instance is marked active"))
    ready = {t.id: t for t in view.open_tasks}
    for engine_id in sorted(set(ready) - set(open_rows)):
        found.append(Finding(instance.id, "missing_task",
                             f"{ready[engine_id].element_id} ({engine_id}) is waiting for input but has no open task row"))
    for engine_id in sorted(set(open_rows) - set(ready)):
        row = open_rows[engine_id]
        found.append(Finding(instance.id, "stray_task",
                             f"task row {row.id} ({row.element_id}) is open but the workflow is not waiting for it"))
    waiting = {_timer_key(t.id, t.due_at): t for t in view.timers}
    for key in sorted(set(waiting) - set(waiting_rows)):
        found.append(Finding(instance.id, "missing_timer", f"{waiting[key].element_id} due {key[1]} has no waiting timer row"))
    for key in sorted(set(waiting_rows) - set(waiting)):
        row = waiting_rows[key]
        found.append(Finding(instance.id, "stray_timer",
                             f"timer row {row.id} ({row.element_id}) is waiting but the workflow has no such timer"))
    return found


def check(*, session: Session, services: Services) -> list[Finding]:
    """Check every active instance, and every ended one that still has open rows."""
    ids = repo.ids_to_check(session)
    findings: list[Finding] = []
    for instance_id in sorted(ids):
        instance = repo.by_id(session, instance_id)
        if instance is not None:
            findings += check_instance(session, services, instance)
    session.rollback()
    return findings


def repair(*, session: Session, services: Services) -> list[Finding]:
    """Re-sync every inconsistent instance from its state, one transaction each; returns what was fixed."""
    fixed: list[Finding] = []
    for instance_id in sorted({f.instance_id for f in check(session=session, services=services)}):
        instance = repo.lock_instance(session, instance_id)
        if instance is None:
            session.rollback()
            continue
        findings = check_instance(session, services, instance)
        if not findings or any(f.kind == "unreadable" for f in findings):
            session.rollback()
            continue
        _resync(session, services, instance)
        audit.record(session, actor=None, action="repair", object_type="process_instance", object_id=instance.id,
                     detail={"findings": [f"{f.kind}: {f.detail}" for f in findings]},
                     campaign_id=audit_repo.campaign_of_instance(session, instance.id))
        session.commit()
        fixed += findings
    return fixed


def _resync(session: Session, services: Services, instance: ProcessInstance) -> None:
    now = clock.now()
    if instance.status != "active":
        for row in repo.open_tasks(session, instance.id):
            row.state, row.completed_at = "cancelled", now
        for timer in repo.waiting_timers(session, instance.id):
            timer.state = "cancelled"
        return
    view = _engine_view(services, instance)
    ready = {t.id for t in view.open_tasks}
    # A row the state still waits for but that was closed is reopened (its id is unique).
    for row in repo.closed_tasks_of_engine_tasks(session, instance.id, ready):
        row.state = "waiting" if row.message else "open"
        row.completed_at, row.completed_by, row.assignee_id = None, None, None
    waiting = {_timer_key(t.id, t.due_at) for t in view.timers}
    for row in repo.ended_timers(session, instance.id):
        if _timer_key(row.engine_task_id, row.due_at) in waiting:
            row.state, row.fired_at = "waiting", None
    session.flush()
    application = application_repo.of_instance(session, instance.id)
    # The indexed variables are kept: a restored state's last task may not carry them all.
    merged: dict[str, Any] = {**(instance.variables or {}), **view.variables}
    # "Before" is what the rows say now, so the step's plan closes the strays and adds the missing.
    waiting_rows = {_timer_key(t.engine_task_id, t.due_at): (t.engine_task_id, t.due_at)
                    for t in repo.waiting_timers(session, instance.id)}
    timers_before = (frozenset((t.id, t.due_at) for t in view.timers if _timer_key(t.id, t.due_at) in waiting_rows)
                     | frozenset(key for norm, key in waiting_rows.items() if norm not in waiting))
    view = dataclasses.replace(view, variables=merged, state_json=instance.state,
                               open_before=frozenset(t.engine_task_id for t in repo.open_tasks(session, instance.id)),
                               timers_before=timers_before)
    application_id = application.id if application else None
    plan = steps.plan_step(instance=instance, result=view, actor_id=None, application_id=application_id, now=now,
                           calendar=calendars.for_application(application))
    if application is not None:
        plan_changes(plan, application=application, instance=instance, result=view)
    steps.write_step(session=session, plan=plan, instance=instance, result=view, application_id=application_id)
