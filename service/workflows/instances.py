"""Starting instances and writing each engine step into the indexed tables.

``apply_step`` is the one place that turns an engine :class:`StepResult` into
rows: the new state, open tasks, waiting timers, history and outbox effects,
all in the caller's transaction.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from service import clock, timekeeping
from service.engine import EngineError, StepResult
from service.engine.errors import ExecutionError
from service.auth import policies
from service.errors import BadRequest, Conflict, Forbidden, NotFound
from service.models import InstanceEvent, ProcessDefinition, ProcessInstance, Task, Timer
from service.repositories import applications as application_repo
from service.repositories import incidents as incident_rows
from service.repositories import instances as instance_repo
from service.repositories import tasks as task_repo
from service.repositories import rows
from service.workflows import audit, notices, scope
from service.timekeeping import WorkdayCalendar
from service.workflows.calendars import missing_year_warnings
from service.workflows.definitions import engine_spec, latest_definition
from service.workflows.services import Services

LOGGER = logging.getLogger(__name__)


def start_instance(*, session: Session, services: Services, definition: ProcessDefinition, business_key: str,
                   data: dict[str, Any], started_by: int | None, application_id: int | None = None,
                   calendar: WorkdayCalendar | None = None) -> tuple[ProcessInstance, StepResult]:
    """Create and run an instance until it waits; the caller commits.

    Its unit scope is taken from ``data`` here, once (``scope.resolve``: a 422
    before anything runs if a lane's variable is missing), and kept on the row.
    ``calendar`` counts working-day timers and due dates (the campaign's calendar).
    """
    stored_scope = scope.resolve(session, definition, data)
    try:
        result = services.engine.start(**engine_spec(definition), data=data, calendar=calendar)
    except ExecutionError as exc:
        raise BadRequest(f"the process could not start: {exc}", element=exc.element_id) from None
    now = clock.now()
    instance = ProcessInstance(definition_id=definition.id, business_key=business_key, status="active",
                               state=result.state_json, variables={}, started_by=started_by, started_at=now,
                               **stored_scope)
    instance.definition = definition
    session.add(instance)
    session.flush()
    apply_step(session=session, instance=instance, result=result, actor_id=started_by,
               application_id=application_id, calendar=calendar)
    return instance, result


def apply_step(*, session: Session, instance: ProcessInstance, result: StepResult, actor_id: int | None,
               application_id: int | None, completed_task: Task | None = None,
               fired_timer_ids: set[str] | None = None, calendar: WorkdayCalendar | None = None) -> None:
    """Store the new state and bring tasks, timers and history in line with it.

    New tasks take their unit from the instance's stored scope (``scope.of_instance``);
    ``calendar`` counts working-day due dates (``PnWD``): the application's campaign calendar.
    """
    now = clock.now()
    unit_scope = scope.of_instance(instance)
    values: dict[str, Any] = {"state": result.state_json, "variables": _public_variables(result.variables)}
    if result.completed and instance.status == "active":
        values.update(status="completed", end_event=result.end_events[-1] if result.end_events else None,
                      ended_at=now)
    rows.update_row(session, instance, values, versioned=True)  # sent with the step's other writes (rows)
    meta = instance.definition.meta["user_tasks"]
    # The rows mirror the state they were written from, so the engine's "before" (what that
    # state waited for) says which rows to close and which to add, without reading them back.
    open_now = {t.id for t in result.open_tasks}
    completed_id = completed_task.engine_task_id if completed_task is not None else None
    gone = sorted(result.open_before - open_now - {completed_id})
    if gone:
        instance_repo.cancel_open_tasks(session, instance.id, gone, now)
    created: list[Task] = []
    for task in result.open_tasks:
        if task.id in result.open_before or task.id == completed_id:
            continue
        info = meta.get(task.element_id, {})
        role = info.get("role", "")
        created.append(Task(
            engine_task_id=task.id, instance_id=instance.id, element_id=task.element_id, name=task.name,
            role=role, form_key=info.get("form_key", ""), stage=info.get("stage"),
            unit_id=scope.require_task_scope(instance, task.element_id, role),
            application_id=application_id, candidate_user_id=_as_user_id(task.assignee),
            state="open", due_at=_due(now, info.get("due_in"), calendar), created_at=now, reminders_sent=[],
        ))
        session.add(created[-1])
    for extension in result.extensions:  # a deadline already past on a re-entered task: its grace period
        for task in created:
            if task.element_id == extension.activity_element_id:
                task.due_at = extension.due_at
    _sync_timers(session, instance, result, now, fired_timer_ids or set())
    if result.failure is not None or result.errored_before:
        _sync_incidents(session, instance, result, now, actor_id, application_id)
    notices.after_step(session=session, instance=instance, result=result, unit_scope=unit_scope,
                       application_id=application_id, created_tasks=created)
    if result.history:
        rows.insert_rows(session, InstanceEvent.__table__, [
            {"instance_id": instance.id, "element_id": item.element_id, "name": item.name,
             "element_type": item.element_type, "at": now, "detail": None,
             "actor_id": actor_id if item.task_id == completed_id else None}
            for item in result.history])


def _sync_timers(session: Session, instance: ProcessInstance, result: StepResult, now: datetime,
                 fired: set[str]) -> None:
    """Close the timer rows the step ended (fired or cancelled) and add the new ones, by difference."""
    waiting_now = {(t.id, t.due_at) for t in result.timers}
    ended = {engine_id for engine_id, _ in result.timers_before - waiting_now}
    for state, ids in (("fired", sorted(ended & fired)), ("cancelled", sorted(ended - fired))):
        if ids:
            instance_repo.close_waiting_timers(session, instance.id, ids, state=state,
                                               fired_at=now if state == "fired" else None)
    for timer in result.timers:
        if (timer.id, timer.due_at) not in result.timers_before or timer.id in ended:
            session.add(Timer(instance_id=instance.id, engine_task_id=timer.id, element_id=timer.element_id,
                              kind=timer.kind, due_at=timer.due_at, state="waiting"))


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
    for warning in missing_year_warnings(calendar, f"期限 {due_in} / dueIn {due_in}"):
        LOGGER.warning("%s", warning)
    return due


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
            "vetting_decision", "shortlisted", "signoff_decision")
    return {k: variables[k] for k in keep if k in variables}


def engine_call(fn: Callable[[], StepResult]) -> StepResult:
    """Run an engine call, mapping its errors to service errors."""
    try:
        return fn()
    except ExecutionError as exc:
        raise BadRequest(f"the process failed at {exc.element_id or 'an element'}: {exc}", element=exc.element_id) from None
    except EngineError as exc:
        raise Conflict(str(exc)) from None


def list_instances(*, session: Session, status: str | None, page: int, page_size: int) -> tuple[list[ProcessInstance], int]:
    """One page of every instance (federation roles; the caller checks), newest first, and the total."""
    return instance_repo.page_of_instances(session, status=status, page=page, page_size=page_size)


def get_visible_instance(*, session: Session, user: Any, instance_id: int) -> ProcessInstance:
    """The instance if the user may see it (through its application or a federation role)."""

    instance = instance_repo.by_id(session, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    if policies.sees_all_applications(user):
        return instance
    application = application_repo.of_instance(session, instance.id)
    if application is not None and policies.can_see_application(
            user, application, scores_it=task_repo.is_candidate_on(session, application.id, user.id)):
        return instance
    raise NotFound(f"process instance {instance_id} does not exist")


def history(session: Session, instance_id: int) -> list[InstanceEvent]:
    return instance_repo.history(session, instance_id)


def active_elements(session: Session, instance: ProcessInstance) -> list[str]:
    """Elements waiting now, read from the indexed task and timer rows."""
    return sorted(instance_repo.waiting_elements(session, instance.id))


def start_by_key(*, session: Session, services: Services, user: Any, key: str, business_key: str,
                 variables: dict[str, Any]) -> ProcessInstance:
    """Start the latest version of ``key`` with ``variables`` (Camunda's start by key).

    Each lane's tasks are scoped by the variable ``policies.LANE_SCOPE`` names
    (``unit_id``, ``supervising_union_id``), so the draft consultation reaches
    exactly the unit it was started for; missing ones are a 422.
    """

    if not policies.can_start_directly(user):
        raise Forbidden(policies.DENIED[policies.can_start_directly])
    if key == "innovation_appraisal":
        raise Conflict("appraisal instances start by creating an application (POST /api/applications)")
    definition = latest_definition(session, key)
    if definition is None:
        raise NotFound(f"process {key!r} is not deployed")
    instance, _ = start_instance(
        session=session, services=services, definition=definition, business_key=business_key, data=variables,
        started_by=user.id)
    audit.record(session, actor=user, action="start", object_type="process_instance", object_id=instance.id,
                 detail={"key": key, "version": definition.version, "business_key": business_key})
    session.commit()
    return instance
