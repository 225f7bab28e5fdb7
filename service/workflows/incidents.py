"""Incidents (Camunda's Cockpit): what failed while an instance ran, and the office's retry.

A handler or expression that fails does not refuse the step that reached it:
the step commits, its instance waits at the failed element, and an incident row
(``repositories.incidents``, written with the step by ``steps.write_step``) says what
failed, with what and when. The office fixes the cause (for the appraisal: the
campaign's scorers, criteria or grades, which a retry re-reads) and retries; a
retry that fails again keeps the incident open with the new error.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.catalogue import _, name_of
from service import clock
from service.auth import policies
from service.engine.errors import TaskNotReady
from service.errors import Conflict, Forbidden, NotFound
from service.models import Incident, User
from service.repositories import applications as application_repo
from service.repositories import incidents as repo
from service.repositories import instances as instance_repo
from service.workflows import audit, calendars, retries, steps
from service.workflows.applications import current_campaign_data, plan_changes
from service.workflows.definitions import engine_spec
from service.workflows.instances import engine_call
from service.workflows.reminders import grace_for
from service.workflows.services import Services

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class IncidentPage:
    items: list[Incident]
    total: int


def list_incidents(*, session: Session, user: User, state: str | None = "open", campaign_id: int | None = None,
                   instance_id: int | None = None, page: int = 1, page_size: int = 50) -> IncidentPage:
    """Incidents, latest failure first (office and process administrator)."""
    _allowed(user)
    items, total = repo.list_incidents(session, state=state if state != "all" else None, campaign_id=campaign_id,
                                       instance_id=instance_id, page=page, page_size=page_size)
    return IncidentPage(items, total)


def open_in_campaign(*, session: Session, user: User, campaign_id: int) -> list[Incident]:
    """The campaign's open incidents for its dashboard (none for those who may not handle them)."""
    if not policies.can_handle_incidents(user):
        return []
    return [incident for incident, _ in repo.open_in_campaign(session, campaign_id)]


def open_for_instance(*, session: Session, user: User, instance_id: int) -> list[Incident]:
    """The instance's open incidents for its page (none for those who may not handle them)."""
    if not policies.can_handle_incidents(user):
        return []
    return repo.open_for_instance(session, instance_id)


def retry(*, session: Session, services: Services, user: User, incident_id: int) -> Incident:
    """Run the failed element again with its campaign's current data; resolved, or open with the new error.

    A race lost on the instance is retried (``retries``); lost every time, it is a 409.
    """
    _allowed(user)
    try:
        return retries.run(session, lambda: _retry_once(session, services, user, incident_id),
                           attempts=MAX_ATTEMPTS, wait_step=0.01)
    except Exception as exc:
        if retries.retryable(exc):
            raise Conflict(_("重试期间流程发生了变化，请再试一次")) from None
        raise


def _retry_once(session: Session, services: Services, user: User, incident_id: int) -> Incident:
    found = repo.by_id(session, incident_id)
    if found is None:
        raise NotFound(_("故障 {incident_id} 不存在", incident_id=incident_id))
    instance = instance_repo.lock_instance(session, found.instance_id)  # the instance first, as every writer
    incident = repo.lock_incident(session, incident_id)
    if instance is None or incident is None:
        raise NotFound(_("故障 {incident_id} 不存在", incident_id=incident_id))
    if incident.state != repo.OPEN:
        raise Conflict(_("故障 {incident_id} 已经是 {incident_state} 状态", incident_id=incident_id, incident_state=name_of("incident_state", incident.state)))
    application = application_repo.by_id(session, incident.application_id) if incident.application_id else None
    calendar = calendars.for_application(application)
    data = current_campaign_data(session, application) if application is not None else {}
    before = incident.attempts
    try:
        result = engine_call(lambda: services.engine.retry(
            **engine_spec(instance.definition), state_json=instance.state, task_id=incident.engine_task_id,
            data=data, calendar=calendar, grace_working_days=grace_for(application)))
    except TaskNotReady:  # the state no longer has it failed (repaired by hand): nothing to run
        raise Conflict(_("故障 {incident_id} 与其流程实例已不相符", incident_id=incident_id)) from None
    plan = steps.plan_step(instance=instance, result=result, actor_id=user.id,
                           application_id=incident.application_id, now=clock.now(), calendar=calendar)
    if application is not None:
        plan_changes(plan, application=application, instance=instance, result=result)
    steps.write_step(session=session, plan=plan, instance=instance, result=result,
                     application_id=incident.application_id, actor_id=user.id)
    session.flush()
    resolved = incident.state == repo.RESOLVED
    audit.record(session, actor=user, action="retry_incident", object_type="incident", object_id=incident.id,
                 detail={"instance_id": instance.id, "element": incident.element_id,
                         "outcome": "resolved" if resolved else "failed_again",
                         "error": None if resolved else incident.error, "attempts": incident.attempts,
                         "attempts_before": before, "at": clock.now().isoformat()},
                 campaign_id=application.campaign_id if application is not None else None)
    session.commit()
    return incident


def _allowed(user: User) -> None:
    if not policies.can_handle_incidents(user):
        raise Forbidden(policies.DENIED[policies.can_handle_incidents])
