"""Firing BPMN timers: find what is due from the indexed ``timers`` table, fire it once.

The sweep reads ``timers`` through its (state, due_at) index, so its cost
follows the number of timers due, not the number waiting. Each instance is
fired in a transaction of its own that locks the instance row; on PostgreSQL a
second worker or beat skips an instance someone else is firing (SKIP LOCKED),
on SQLite BEGIN IMMEDIATE serialises writers. Either way the due timers are
re-read under the lock, so a timer that has just fired is not fired again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from service import clock
from service.engine.errors import EngineError
from service.repositories import applications as application_repo
from service.repositories import timers as repo
from service.workflows import audit, calendars, retries, steps
from service.workflows.applications import plan_changes
from service.workflows.definitions import engine_spec
from service.workflows.reminders import grace_for
from service.workflows.services import Services

LOGGER = logging.getLogger(__name__)


@dataclass
class SweepReport:
    fired: list[int] = field(default_factory=list)  # timer row ids
    instances: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # locked by someone else or nothing due any more
    errors: dict[int, str] = field(default_factory=dict)


# The queries live in service/repositories/timers.py; the jobs and the sweep call them through here.
due_query = repo.due_query
due_instance_ids = repo.due_instance_ids
upcoming = repo.upcoming
next_due = repo.next_due


def fire_timers_for_instance(*, session: Session, services: Services, instance_id: int) -> list[int]:
    """Fire the instance's due timers and run it on; returns the fired timer ids ([] if none/busy).

    A race lost five times leaves the timers to the next sweep; any other error is raised
    (the sweep and the Celery batch record it per instance and go on).
    """
    try:
        return retries.run(session, lambda: _fire_once(session, services, instance_id), attempts=5, wait_step=0.02)
    except Exception as exc:
        if retries.retryable(exc):
            LOGGER.info("instance %s kept changing while firing timers (%s); the next sweep retries",
                        instance_id, type(exc).__name__)
            return []
        raise


def _fire_once(session: Session, services: Services, instance_id: int) -> list[int]:
    now = clock.now()
    skip = session.get_bind().dialect.name == "postgresql"
    instance = repo.lock_instance_to_fire(session, instance_id, skip_locked=skip)
    if instance is None or instance.status != "active":
        session.rollback()
        return []
    due = repo.due_of_instance(session, instance_id, now)
    if not due:
        session.rollback()
        return []
    application = application_repo.of_instance(session, instance.id)
    calendar = calendars.for_application(application)
    try:
        with clock.frozen(now):
            result = services.engine.fire_due_timers(**engine_spec(instance.definition), state_json=instance.state,
                                                     calendar=calendar, grace_working_days=grace_for(application))
    except EngineError as exc:
        session.rollback()
        LOGGER.error("instance %s: timer firing failed: %s", instance_id, exc)
        raise
    application_id = application.id if application else None
    plan = steps.plan_step(instance=instance, result=result, actor_id=None, application_id=application_id, now=now,
                           fired_timer_ids={t.engine_task_id for t in due}, calendar=calendar)
    if application is not None:
        plan_changes(plan, application=application, instance=instance, result=result)
    fired = [t.id for t in due if t.engine_task_id in set(plan.fired_timers)]
    audit.record(session, actor=None, action="fire_timers", object_type="process_instance", object_id=instance.id,
                 detail={"timers": [{"id": t.id, "element": t.element_id, "due_at": t.due_at.isoformat(),
                                     "late_seconds": round((now - t.due_at).total_seconds(), 3)} for t in due],
                         "end_event": plan.planned(instance, "end_event")},
                 campaign_id=application.campaign_id if application else None, plan=plan)
    steps.write_step(session=session, plan=plan, instance=instance, result=result, application_id=application_id)
    session.commit()
    return fired


def sweep(*, session: Session, services: Services, limit: int = 200) -> SweepReport:
    """Fire every due timer (one transaction per instance); safe to run concurrently."""
    report = SweepReport()
    ids = due_instance_ids(session, now=clock.now(), limit=limit)
    session.rollback()
    for instance_id in ids:
        try:
            fired = fire_timers_for_instance(session=session, services=services, instance_id=instance_id)
        except Exception as exc:  # noqa: BLE001 - one broken instance must not stop the sweep
            report.errors[instance_id] = f"{type(exc).__name__}: {exc}"
            continue
        (report.instances if fired else report.skipped).append(instance_id)
        report.fired.extend(fired)
    return report
