"""An engine step as rows: planned as data by a pure function, then written by one writer.

:func:`plan_step` turns the engine's :class:`StepResult` and the rows the step started from
(the instance, the completed task) into a :class:`StepPlan`: the instance's new state, the
task and timer rows to close and to open, the history. It reads nothing and writes nothing,
so it is tested on its own (tests/unit/test_step_plan.py). The use case adds what else the step
changes (the completed task, the application: ``applications.plan_changes``; the audit
record: ``audit.row``) and hands the plan to :func:`write_step`, which sends it through
the one writer (service/repositories/steps.py) and then queues the step's notifications,
which link to the tasks it opened.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock, timekeeping
from service.engine import StepResult
from service.models import ProcessDefinition, ProcessInstance, Task
from service.repositories import applications as application_repo
from service.repositories import incidents as incident_rows
from service.repositories import steps as writer
from service.repositories.steps import StepPlan
from service.timekeeping import WorkdayCalendar
from service.workflows import audit, notices, scope
from service.workflows.calendars import missing_year_warnings

LOGGER = logging.getLogger(__name__)

__all__ = ["StepPlan", "plan_step", "write_step"]


def plan_step(*, instance: ProcessInstance, result: StepResult, actor_id: int | None, application_id: int | None,
              now: datetime, completed_task: Task | None = None, fired_timer_ids: set[str] | None = None,
              calendar: WorkdayCalendar | None = None, definition: ProcessDefinition | None = None) -> StepPlan:
    """The rows the step writes: the new state, tasks and timers in line with it, its history.

    New tasks take their unit from the instance's stored scope (``scope.of_instance``);
    ``calendar`` counts working-day due dates (``PnWD``): the application's campaign calendar.
    The rows mirror the state they were written from, so the engine's "before" (what that
    state waited for) says which rows to close and which to add, without reading them back.
    """
    plan = StepPlan(instance_id=instance.id, at=now)
    values: dict[str, Any] = {"state": result.state_json, "variables": _public_variables(result.variables)}
    if result.completed and instance.status == "active":
        values.update(status="completed", end_event=result.end_events[-1] if result.end_events else None,
                      ended_at=now)
    plan.change(instance, values, versioned=True)
    meta = (definition or instance.definition).meta["user_tasks"]  # ``definition``: a migration's target
    open_now = {t.id for t in result.open_tasks}
    completed_id = completed_task.engine_task_id if completed_task is not None else None
    plan.cancelled_tasks = sorted(result.open_before - open_now - {completed_id})
    deadlines: dict[str, datetime] = {}  # an activity an interrupting boundary timer ends is due when it fires
    for timer in result.timers:
        if timer.interrupting and timer.attached_to is not None:
            known = deadlines.get(timer.attached_to)
            deadlines[timer.attached_to] = timer.due_at if known is None else min(known, timer.due_at)
    for task in result.open_tasks:
        if task.id in result.open_before or task.id == completed_id:
            continue
        info = meta.get(task.element_id, {})
        role = info.get("role", "")
        plan.new_tasks.append({
            "engine_task_id": task.id, "instance_id": instance.id, "element_id": task.element_id, "name": task.name,
            "role": role, "form_key": info.get("form_key", ""), "stage": info.get("stage"),
            "unit_id": scope.require_task_scope(instance, task.element_id, role),
            "owner_unit_id": instance.owner_unit_id,
            "application_id": application_id, "candidate_user_id": _as_user_id(task.assignee),
            "state": "waiting" if task.message else "open",
            # a message catch event is due only when it names its deadline (forwarding: the vetting deadline)
            "due_at": _due_at(result.variables.get(info.get("due_at_variable") or "")) if task.message else
            _due_at(result.variables.get(info.get("due_at_variable") or "")) or
            _due(now, info.get("due_in"), calendar) or deadlines.get(task.element_id), "created_at": now,
            "reminders_sent": [], "message": task.message,
        })
    for extension in result.extensions:  # a deadline already past on a re-entered task: its grace period
        for row in plan.new_tasks:
            if row["element_id"] == extension.activity_element_id:
                row["due_at"] = extension.due_at
    fired = fired_timer_ids or set()
    waiting_now = {(t.id, t.due_at) for t in result.timers}
    ended = {engine_id for engine_id, _ in result.timers_before - waiting_now}
    plan.fired_timers, plan.cancelled_timers = sorted(ended & fired), sorted(ended - fired)
    plan.new_timers = [{"instance_id": instance.id, "engine_task_id": timer.id, "element_id": timer.element_id,
                        "kind": timer.kind, "due_at": timer.due_at, "state": "waiting"}
                       for timer in result.timers
                       if (timer.id, timer.due_at) not in result.timers_before or timer.id in ended]
    plan.history = [{"instance_id": instance.id, "element_id": item.element_id, "name": item.name,
                     "element_type": item.element_type, "at": now, "detail": None,
                     "actor_id": actor_id if item.task_id == completed_id else None}
                    for item in result.history]
    return plan


def write_step(*, session: Session, plan: StepPlan, instance: ProcessInstance, result: StepResult,
               application_id: int | None, actor_id: int | None = None) -> None:
    """Write the plan (service/repositories/steps.py), then the step's incidents and notifications; the caller commits.

    Incidents (a failed step, and those it resolved) are written by their repository after the plan, not
    planned yet: they arrived with issue 16's writer change in flight.
    """
    created = writer.write(session, plan)
    if result.failure is not None or result.errored_before:
        _sync_incidents(session, instance, result, plan.at, actor_id, application_id)
    notices.after_step(session=session, instance=instance, result=result, unit_scope=scope.of_instance(instance),
                       actor_id=actor_id,
                       application_id=application_id, created_tasks=created)


def _sync_incidents(session: Session, instance: ProcessInstance, result: StepResult, now: datetime,
                    actor_id: int | None, application_id: int | None) -> None:
    """Open an incident where the step failed (audited), resolve those no longer failed."""
    opened = incident_rows.write_step(session, instance_id=instance.id, application_id=application_id,
                                      failure=result.failure, errored=result.errored,
                                      errored_before=result.errored_before, now=now, actor_id=actor_id)
    if opened is not None:
        session.flush()
        application = application_repo.by_id(session, application_id) if application_id else None
        audit.record(session, actor=None, action="incident", object_type="process_instance", object_id=instance.id,
                     detail={"incident_id": opened.id, "element": opened.element_id, "error": opened.error,
                             "caused_by": actor_id},
                     campaign_id=application.campaign_id if application is not None else None)
        LOGGER.warning("instance %s: incident %s at %s: %s", instance.id, opened.id, opened.element_id, opened.error)


def _due(now: datetime, due_in: str | None, calendar: WorkdayCalendar | None) -> datetime | None:
    """A new task's due time from its ``dueIn`` (validation accepted it, so it evaluates; never fail a step)."""
    if not due_in or not due_in.strip():
        return None
    calendar = calendar or timekeeping.statutory_calendar()
    try:
        due = timekeeping.add(now, timekeeping.parse(due_in), calendar)
    except (timekeeping.DurationError, timekeeping.CalendarError) as exc:
        LOGGER.error("dueIn %r cannot be evaluated (%s): the task gets no due date", due_in, exc)
        return None
    for warning in missing_year_warnings(calendar, _("期限 {due_in}", due_in=due_in)):
        LOGGER.warning("%s", warning)
    return due


def _due_at(value: Any) -> datetime | None:
    """A due time a process variable holds (``dueAtVariable``): an ISO instant, Asia/Shanghai without a zone."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return clock.parse_iso(value)
    except ValueError:
        LOGGER.error("dueAtVariable value %r is not an ISO instant: the task gets its dueIn", value)
        return None


def _as_user_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, dict) and isinstance(value.get("user_id"), int):
        return value["user_id"]
    return None


def _public_variables(variables: dict[str, Any]) -> dict[str, Any]:
    """Variables worth indexing on the instance (results, decisions), not the whole form data."""
    keep = ("score_result", "recusals", "eligible_scorers", "final_grade", "proposed_grade", "chair_decision",
            "vetting_decision", "shortlisted", "signoff_decision", "campaign_id")
    return {k: variables[k] for k in keep if k in variables}
