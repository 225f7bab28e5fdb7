"""Starting instances, reading them, and running engine calls.

A step's rows are planned and written by service/workflows/steps.py (``plan_step``,
``write_step``): the one place that turns an engine :class:`StepResult` into rows.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock, work_kinds
from service.engine import EngineError, StepResult
from service.engine.errors import ExecutionError
from service.auth import policies
from service.errors import BadRequest, Conflict, Forbidden, NotFound
from service.models import InstanceEvent, ProcessDefinition, ProcessInstance, Task
from service.repositories import applications as application_repo
from service.repositories import instances as instance_repo
from service.repositories import meetings as meeting_repo
from service.repositories import tasks as task_repo
from service.repositories.steps import StepPlan
from service.workflows import audit, scope, steps
from service.timekeeping import WorkdayCalendar
from service.workflows.definitions import engine_spec, latest_definition
from service.workflows.services import Services



def start_instance(*, session: Session, services: Services, definition: ProcessDefinition, business_key: str,
                   data: dict[str, Any], started_by: int | None, application_id: int | None = None,
                   calendar: WorkdayCalendar | None = None,
                   owner_unit_id: int | None = None) -> tuple[ProcessInstance, StepResult, StepPlan]:
    """Create the instance row and run it until it waits; the caller adds to the step's plan, writes it and commits.

    Its unit scope is taken from ``data`` here, once (``scope.resolve``: a 422
    before anything runs if a lane's variable is missing), and kept on the row.
    ``calendar`` counts working-day timers and due dates (the campaign's calendar); ``owner_unit_id``
    is the campaign's owner (a union's own campaign), whose people its federation-level lanes reach.
    """
    stored_scope = scope.resolve(session, definition, data)
    try:
        result = services.engine.start(**engine_spec(definition), data=data, calendar=calendar)
    except ExecutionError as exc:
        raise BadRequest(_("流程无法启动：{exc}", exc=exc), element=exc.element_id) from None
    now = clock.now()
    instance = ProcessInstance(definition_id=definition.id, business_key=business_key, status="active",
                               state=result.state_json, variables={}, started_by=started_by, started_at=now,
                               owner_unit_id=owner_unit_id, **stored_scope)
    instance.definition = definition
    session.add(instance)
    session.flush()  # the plan's rows refer to its id
    plan = steps.plan_step(instance=instance, result=result, actor_id=started_by, application_id=application_id,
                           now=now, calendar=calendar)
    return instance, result, plan


def engine_call(fn: Callable[[], StepResult]) -> StepResult:
    """Run an engine call, mapping its errors to service errors."""
    try:
        return fn()
    except ExecutionError as exc:
        raise BadRequest((_("流程在 {element} 处出错：{exc}", exc=exc, element=exc.element_id) if exc.element_id
                         else _("流程出错：{exc}", exc=exc)), element=exc.element_id) from None
    except EngineError as exc:
        raise Conflict(str(exc)) from None


def list_instances(*, session: Session, status: str | None, page: int, page_size: int) -> tuple[list[ProcessInstance], int]:
    """One page of every instance (federation roles; the caller checks), newest first, and the total."""
    return instance_repo.page_of_instances(session, status=status, page=page, page_size=page_size)


def get_visible_instance(*, session: Session, user: Any, instance_id: int) -> ProcessInstance:
    """The instance if the user may see it (through its application or a federation role)."""

    instance = instance_repo.by_id(session, instance_id)
    if instance is None:
        raise NotFound(_("流程实例 {instance_id} 不存在", instance_id=instance_id))
    if policies.sees_all_applications(user):
        return instance
    application = application_repo.of_instance(session, instance.id)
    if application is not None and policies.can_see_application(
            user, application, scores_it=task_repo.is_candidate_on(session, application.id, user.id)):
        return instance
    raise NotFound(_("流程实例 {instance_id} 不存在", instance_id=instance_id))


def subject(session: Session, instance: ProcessInstance) -> dict[str, Any]:
    """What an instance is about, as its page names it: the application (title, unit) or the campaign whose
    meetings it runs; never its business key."""
    return {"application": application_repo.of_instance(session, instance.id),
            "campaign": meeting_repo.campaign_reviewed_by(session, instance.business_key)}


def history(session: Session, instance_id: int) -> list[InstanceEvent]:
    return instance_repo.history(session, instance_id)


def open_tasks(session: Session, instance: ProcessInstance) -> list[Task]:
    """The instance's open task rows (not the items waiting for a meeting), for the office's reassignment links."""
    return [t for t in instance_repo.open_tasks(session, instance.id) if t.state == "open"]


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
    if key == work_kinds.APPRAISAL_PROCESS:
        raise Conflict(_("评比流程实例通过创建申报启动（POST /api/applications）"))
    if key == work_kinds.REVIEW_PROCESS:
        raise Conflict(_("评比活动的评审在第一个项目提交会议时开始"))
    definition = latest_definition(session, key)
    if definition is None:
        raise NotFound(_("流程“{key}”尚未发布", key=key))
    instance, result, plan = start_instance(
        session=session, services=services, definition=definition, business_key=business_key, data=variables,
        started_by=user.id)
    audit.record(session, actor=user, action="start", object_type="process_instance", object_id=instance.id,
                 detail={"key": key, "version": definition.version, "business_key": business_key}, plan=plan)
    steps.write_step(session=session, plan=plan, instance=instance, result=result, application_id=None)
    session.commit()
    return instance
