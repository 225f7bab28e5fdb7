"""Task use cases: list, claim, unclaim, complete (Camunda's task service)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from service import clock, faults
from service.auth import policies
from service.catalogue import N_, _, name_of
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Task, User
from service.repositories import audit as audit_repo, instances as repo
from service.repositories import applications as application_repo
from service.repositories import tasks as task_repo
from service.workflows import audit, calendars, campaign_setup, forms, meetings, retries, steps, task_rules
from service.workflows.applications import plan_changes
from service.workflows.definitions import engine_spec
from service.workflows.instances import engine_call
from service.workflows.reminders import grace_for
from service.workflows.services import Services

MAX_ATTEMPTS = 8
CONFIRM = N_("提交后不能修改，请核对后确认提交")
"""Why an irreversible task (its form says ``x-irreversible``) is refused without ``confirm``."""


# An inbox counts its tasks exactly up to this many; beyond it the total says "more than".
TASK_COUNT_CAP = 1000


@dataclass(frozen=True)
class TaskPage:
    items: list[Task]
    total: int
    total_exact: bool  # False: there are more than ``total`` (= TASK_COUNT_CAP) tasks


def list_tasks(*, session: Session, user: User, state: str = "open", role: str | None = None,
               stage: str | None = None, application_id: int | None = None, assigned: str | None = None,
               due_before: datetime | None = None, page: int = 1, page_size: int = 50) -> TaskPage:
    """Tasks the user is a candidate for, soonest due first (Camunda's task query).

    Open tasks are read per candidate branch (``policies.candidate_branches``),
    each in due order from its partial index and cut at the page's end, then
    merged: a scorer with thousands of open tasks costs a page, not a sort of
    them all. The count stops at ``TASK_COUNT_CAP``.
    """
    branches = policies.candidate_branches(user) if state == "open" else [policies.task_filter(user)]
    items, counted = task_repo.page_in_due_order(
        session, branches=branches, state=state, role=role, stage=stage, application_id=application_id,
        due_before=due_before, assignee_id=user.id if assigned == "me" else None, unassigned=assigned == "none",
        page=page, page_size=page_size, cap=TASK_COUNT_CAP)
    return TaskPage(items, min(counted, TASK_COUNT_CAP), counted <= TASK_COUNT_CAP)


def get_task(*, session: Session, user: User, task_id: int) -> Task:
    task = task_repo.by_id(session, task_id)
    if task is None or not policies.can_see_task(user, task):
        raise NotFound(_("任务 {task_id} 不存在", task_id=task_id))
    return task


def _locked_open_task(session: Session, user: User, task_id: int) -> Task:
    """The task row locked for this transaction, if the user may see it and it is open."""
    task = repo.lock_task(session, task_id)
    if task is None or not policies.can_see_task(user, task):
        raise NotFound(_("任务 {task_id} 不存在", task_id=task_id))
    if task.state != "open":
        raise Conflict(_("任务 {task_id} 的状态为 {task_state}", task_id=task_id, task_state=name_of("task_state", task.state)))
    return task


def claim(*, session: Session, user: User, task_id: int) -> Task:
    """Make the user the task's assignee; a task claimed by someone else is a 409."""
    task = _locked_open_task(session, user, task_id)
    if not policies.can_claim(user, task):
        raise Forbidden(_("你不是这项任务的候选办理人"))
    if task.assignee_id not in (None, user.id):
        raise Conflict(_("任务 {task_id} 已被其他人认领", task_id=task_id))
    if task.assignee_id == user.id:
        session.rollback()  # already theirs: nothing changes, nothing to record
        return task
    task.assignee_id, task.claimed_at = user.id, clock.now()
    audit.record(session, actor=user, action="claim", object_type="task", object_id=task.id,
                 campaign_id=audit_repo.campaign_of_task(session, task))
    session.commit()
    return task


def unclaim(*, session: Session, user: User, task_id: int) -> Task:
    """Release a claim (the assignee, or the office reassigning work)."""
    task = _locked_open_task(session, user, task_id)
    if task.assignee_id is None:
        session.rollback()  # nobody holds it: nothing to release, nothing to record
        return task
    if task.assignee_id != user.id and "office" not in user.roles:
        raise Forbidden(_("只有办理人或评比办公室可以释放这项任务"))
    task.assignee_id, task.claimed_at = None, None
    audit.record(session, actor=user, action="unclaim", object_type="task", object_id=task.id,
                 campaign_id=audit_repo.campaign_of_task(session, task))
    session.commit()
    return task


def form_for(*, session: Session, services: Services, user: User, task_id: int) -> dict[str, Any]:
    task = get_task(session=session, user=user, task_id=task_id)
    return task_schema(session=session, services=services, task=task)


def task_schema(*, session: Session, services: Services, task: Task) -> dict[str, Any]:
    """The task's form as its campaign pinned it (a newer deployed version waits for the next campaign)."""
    services.forms.sync(session)
    application = application_repo.by_id(session, task.application_id) if task.application_id else None
    return services.forms.schema_at(session, task.form_key, form_version(session, task, application))


def form_version(session: Session, task: Task, application: Any) -> int | None:
    """The version of the task's form it is shown and checked with: its campaign's pin, else the pin of the process
    version its instance runs (so a running instance keeps the form it started with), else the newest (None)."""
    if application is not None:
        return forms.version_of(application.campaign, task.form_key)
    instance = repo.by_id(session, task.instance_id)
    pinned = ((instance.definition.meta or {}).get("form_versions") or {}) if instance is not None else {}
    value = pinned.get(task.form_key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def complete(*, session: Session, services: Services, user: User, task_id: int, data: dict[str, Any],
             confirmed: bool = False) -> Task:
    """Complete a task with data and run the process on; retries a lost race on the instance. An irreversible
    task (:func:`irreversible`) needs ``confirmed``.

    A race lost eight times is a 409; any other database error (the database went
    away) is raised as it is, which the API answers with 503 (service/workflows/retries.py).
    """
    try:
        return retries.run(session, lambda: _complete_once(session, services, user, task_id, data, confirmed),
                           attempts=MAX_ATTEMPTS, wait_step=0.01)
    except Exception as exc:
        if retries.retryable(exc):
            raise Conflict(_("办理任务期间流程发生了变化，请再试一次")) from None
        raise


def _complete_once(session: Session, services: Services, user: User, task_id: int, data: dict[str, Any],
                   confirmed: bool) -> Task:
    task = complete_in_transaction(session, services, user, task_id, data, confirmed=confirmed)
    faults.point("task.complete.before_commit")
    session.commit()
    faults.point("task.complete.after_commit")
    return task


def complete_in_transaction(session: Session, services: Services, user: User, task_id: int, data: dict[str, Any],
                            *, on_behalf_of: User | None = None, confirmed: bool = False) -> Task:
    """One task's completion in the caller's transaction (not committed): the list decisions and a session's
    recording complete many tasks all or nothing. ``on_behalf_of``: the office enters a scorer's paper sheet
    (the checks and the sheet are the scorer's; the audit names the office worker who entered it)."""
    # The application is held for the whole call: the identity map is weak, so without
    # this reference the row would be selected again (with its campaign) by prepare().
    locked = repo.lock_for_completion(session, task_id)
    if locked is None:
        raise NotFound(_("任务 {task_id} 不存在", task_id=task_id))
    task, instance, application = locked
    acting = on_behalf_of or user
    if not policies.can_see_task(user, task):
        raise NotFound(_("任务 {task_id} 不存在", task_id=task_id))
    if not policies.is_candidate(acting, task):
        raise Forbidden(_("你不能办理这项任务：它属于其他角色、单位或人员"))
    if task.state != "open":
        raise Conflict(_("任务 {task_id} 已经是 {task_state} 状态", task_id=task_id, task_state=name_of("task_state", task.state)))
    if not policies.can_complete(acting, task):
        raise Forbidden(_("这项任务已被其他人认领"))
    if task.form_key in meetings.MEETING_FORMS:
        raise Conflict(_("会议的决定在会议页面上对整份名单作出（任务 {id}：{name}）", id=task_id, name=task.name))
    services.forms.sync(session)
    form_data, engine_data = task_rules.prepare(session, task, acting, data)
    version = form_version(session, task, application)
    services.forms.validate(task.form_key, form_data, session=session, version=version)
    if not confirmed and services.forms.irreversible(task.form_key, session=session, version=version):
        raise ValidationFailed([{"field": "confirm", "message": _(CONFIRM)}])
    signed = task_rules.recorded(task, acting)
    form_data, engine_data = {**form_data, **signed}, {**engine_data, **signed}
    extra: dict[str, Any] = {}
    if on_behalf_of is not None:
        form_data = {**form_data, "paper_sheet": True, "entered_by": user.id}
        if isinstance(engine_data.get("score"), dict):
            engine_data = {**engine_data, "score": {**engine_data["score"], "paper": True}}
        extra = {"paper_sheet_for": on_behalf_of.id}
    run_step(session, services, actor=user, task=task, instance=instance, application=application,
             form_data=form_data, engine_data=engine_data,
             action="paper_score_sheet" if on_behalf_of is not None else "complete", extra=extra)
    return task


def irreversible(session: Session, services: Services, task: Task) -> bool:
    """Whether completing ``task`` cannot be undone (its form, as its campaign pins it, says ``x-irreversible``):
    the API then needs ``confirm: true`` and the pages ask before they submit."""
    application = application_repo.by_id(session, task.application_id) if task.application_id else None
    return services.forms.irreversible(task.form_key, session=session,
                                       version=form_version(session, task, application))


def run_step(session: Session, services: Services, *, actor: User, task: Task, instance: Any, application: Any,
             form_data: dict[str, Any], engine_data: dict[str, Any],
             action: Literal["complete", "paper_score_sheet", "close_sheet"] = "complete",
             extra: dict[str, Any] | None = None) -> None:
    """Hand a locked, checked task's data to the engine and write the step, audited as ``action`` (no commit)."""
    if application is not None:  # before scoring, the process takes the campaign's settings as they are now
        engine_data = {**engine_data, **campaign_setup.refreshed_for_step(session, task, application.campaign)}
    calendar = calendars.for_application(application)
    result = engine_call(lambda: services.engine.complete_task(
        **engine_spec(instance.definition), state_json=instance.state, task_id=task.engine_task_id,
        data=engine_data, calendar=calendar, grace_working_days=grace_for(application)))
    plan = steps.plan_step(instance=instance, result=result, actor_id=actor.id, application_id=task.application_id,
                           now=clock.now(), completed_task=task, calendar=calendar)
    plan.change(task, {"state": "completed", "completed_at": plan.at, "completed_by": actor.id, "data": form_data})
    if application is not None:
        plan_changes(plan, application=application, instance=instance, result=result,
                     also=task_rules.application_changes(task, form_data))
    audit.record(session, actor=actor, action=action, object_type="task", object_id=task.id,
                 detail={"element": task.element_id, "instance_id": instance.id, "data": form_data, **(extra or {})},
                 campaign_id=application.campaign_id if application is not None else None, plan=plan)
    steps.write_step(session=session, plan=plan, instance=instance, result=result,
                     application_id=task.application_id, actor_id=actor.id)
    meetings.after_item_step(session, services, application, result)
