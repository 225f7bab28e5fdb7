"""Incidents: elements that failed while their instance ran, written with the step that met them."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.models import Application, Incident, ProcessInstance

OPEN = "open"
RESOLVED = "resolved"


def write_step(session: Session, *, instance_id: int, application_id: int | None, failure: Any,
               errored: frozenset[str], errored_before: frozenset[str], now: datetime,
               actor_id: int | None) -> Incident | None:
    """Bring the instance's incident rows in line with an engine step; returns the incident its failure opened.

    A failure at an element that already has an open incident (a retry that failed again) updates that
    row: its error, data and time become the latest, its attempts go up. Elements that were failed
    before the step and are not any more are resolved.
    """
    opened = None
    if failure is not None:
        row = session.scalar(select(Incident).where(
            Incident.instance_id == instance_id, Incident.engine_task_id == failure.task_id,
            Incident.state == OPEN).with_for_update())
        if row is None:
            row = Incident(instance_id=instance_id, application_id=application_id, engine_task_id=failure.task_id,
                           element_id=failure.element_id, element_name=failure.name, state=OPEN,
                           error=failure.message, data=_jsonable(failure.data), attempts=1, created_at=now,
                           failed_at=now, caused_by=actor_id)
            session.add(row)
            opened = row
        else:
            row.error, row.data, row.failed_at = failure.message, _jsonable(failure.data), now
            row.attempts = row.attempts + 1
    resolved = sorted(errored_before - errored)
    if resolved:
        session.execute(update(Incident).where(Incident.instance_id == instance_id, Incident.state == OPEN,
                                               Incident.engine_task_id.in_(resolved))
                        .values(state=RESOLVED, resolved_at=now, resolved_by=actor_id))
    return opened


def by_id(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def lock_incident(session: Session, incident_id: int) -> Incident | None:
    """The incident row, locked for this transaction."""
    return session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update()
                          .execution_options(populate_existing=True))


def list_incidents(session: Session, *, state: str | None, campaign_id: int | None, instance_id: int | None,
                   page: int, page_size: int) -> tuple[list[Incident], int]:
    """Incidents, latest failure first (``ix_incidents_state_failed``), with the total."""
    query = select(Incident)
    if state:
        query = query.where(Incident.state == state)
    if instance_id is not None:
        query = query.where(Incident.instance_id == instance_id)
    if campaign_id is not None:
        query = query.where(Incident.application_id.in_(
            select(Application.id).where(Application.campaign_id == campaign_id)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Incident.failed_at.desc(), Incident.id.desc())
                           .offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


def open_for_instance(session: Session, instance_id: int) -> list[Incident]:
    """The instance's open incidents, oldest first."""
    return list(session.scalars(select(Incident).where(Incident.instance_id == instance_id, Incident.state == OPEN)
                                .order_by(Incident.id)))


def open_in_campaign(session: Session, campaign_id: int) -> list[tuple[Incident, Application | None]]:
    """A campaign's open incidents with their application, oldest first (the dashboard's list)."""
    return list(session.execute(
        select(Incident, Application).join(Application, Application.id == Incident.application_id)
        .where(Incident.state == OPEN, Application.campaign_id == campaign_id)
        .order_by(Incident.failed_at, Incident.id)).tuples())


def instance_of(session: Session, incident: Incident) -> ProcessInstance | None:
    return session.get(ProcessInstance, incident.instance_id)


def _jsonable(value: Any) -> Any:
    """Parameters as JSON keeps them (a handler may have been handed anything an expression gives)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
