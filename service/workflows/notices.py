"""Notifications caused by an engine step, queued in the step's own transaction.

* every ``notify`` service-task call (handlers/notify.py) becomes outbox rows; a
  request whose context names ``task_element`` (e.g. a non-interrupting boundary
  timer's reminder) is filled in from that open task (name, due time, assignee,
  link), and a ``task_due_soon`` sent this way stands in for the generic sweep's;
* every new reviewer task (one with a due date) tells its candidates ``task_assigned``;
* a task due at the submission window's close (``fill_application``, ``leader_signoff``: their
  interrupting boundary timers) tells its candidates ``task_assigned`` too — the main leader learns
  that a sign-off waits, with a link to it — except the person whose step opened it and anyone this
  step's own ``notify`` tasks already told (a return carries its reasons in that message);
* a task entered again after its deadline had passed (a return after the window's close) tells its
  candidates ``deadline_extended``: its new due date, the campaign's grace period.

A step that opens many tasks at once (seven or a hundred parallel scorers) must
not pay a query per task and a statement per row: the recipients of the whole
step are loaded together (``recipients.resolve``) and its rows are written with
one multi-row INSERT, with the ``reminders_sent`` marks it sets, by the step writer
(service/repositories/steps.py ``write_notifications``), after the step's own rows (the
links name the tasks the step opened).
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.orm import Session

from service import clock
from service.engine import StepResult
from service.models import Application, ProcessInstance, Task
from service.repositories import applications as application_repo
from service.repositories import meetings as meeting_repo
from service.repositories import tasks as task_repo
from service.repositories import steps as writer
from service.repositories import users as user_repo
from service.repositories.steps import RowChange
from service.workflows import links, outbox
from service.workflows.recipients import effect_wanted, resolve, task_wanted


def after_step(*, session: Session, instance: ProcessInstance, result: StepResult,
               unit_scope: Callable[[str], int | None], application_id: int | None,
               created_tasks: list[Task], actor_id: int | None = None) -> None:
    """Queue the step's notifications; the caller commits them with the step."""
    notify_calls = [e for e in result.effects if e.operation == "notify" and isinstance(e.result, dict)]
    extended = {x.activity_element_id: x for x in result.extensions}
    graced = [t for t in created_tasks if t.element_id in extended]
    reviewer_tasks = [t for t in created_tasks if t.due_at is not None and t.element_id not in extended and t.state == "open"]
    if not notify_calls and not reviewer_tasks and not graced:
        return
    application = application_repo.by_id(session, application_id) if application_id else None
    closes_at = application.campaign.closes_at if application is not None else None
    window_tasks = {t.id for t in reviewer_tasks if closes_at is not None and t.due_at == closes_at}
    # a campaign's own review instance (its meetings) has no application: its notices belong to its campaign
    campaign_id = application.campaign_id if application else meeting_repo.campaign_of_review(instance.business_key)
    theme = application.theme if application else ""
    revision = instance.revision or 0
    notify_wanted = [effect_wanted(e.result, unit_scope) for e in notify_calls]
    tasks_wanted = [task_wanted(t) for t in reviewer_tasks]
    graced_wanted = [task_wanted(t) for t in graced]
    people = resolve(session, [*(w for ws in notify_wanted for w in ws), *tasks_wanted, *graced_wanted])
    now = clock.now()
    rows: list[dict[str, Any]] = []
    marks: list[RowChange] = []
    told_by_step: set[int] = set() if actor_id is None else {actor_id}
    for index, (effect, wanted) in enumerate(zip(notify_calls, notify_wanted)):
        request: dict[str, Any] = effect.result
        asked = dict(request.get("context") or {})
        task = _named_task(session, instance.id, asked.get("task_element"))
        base = _task_context(session, task, theme) if task is not None else _application_context(application)
        context = {**base, **asked}
        if task is not None:
            if request["template"] == "task_due_soon":
                marks.append(RowChange(task, {"reminders_sent": sorted(set(task.reminders_sent or []) | {"due_soon"})}))
        told = {person.id: person for w in wanted for person in people[w]}  # once each, whatever their roles
        told_by_step.update(told)
        for user in told.values():
            rows += outbox.rows_for(key=f"notify:{instance.id}:{revision}:{index}:{user.id}", user=user,
                                    template=request["template"], context=context, campaign_id=campaign_id,
                                    now=now)
    for task, wanted in zip(reviewer_tasks, tasks_wanted):
        # a window task's link is "my task on this application": an e-mail read after signing lands on its state
        link = links.application_task(application_id) if task.id in window_tasks and application_id else links.task(task.id)
        context = {"task_name": task.name, "application_theme": theme, "link": link,
                   "due_at": task.due_at.isoformat() if task.due_at else None}
        for user in people[wanted]:
            if task.id in window_tasks and user.id in told_by_step:
                continue
            rows += outbox.rows_for(key=f"task_assigned:{task.id}:{user.id}", user=user, template="task_assigned",
                                    context=context, campaign_id=campaign_id, now=now)
    for task, wanted in zip(graced, graced_wanted):
        extension = extended[task.element_id]
        context = {"task_name": task.name, "application_theme": theme, "link": links.task(task.id),
                   "due_at": extension.due_at.isoformat(), "working_days": extension.working_days}
        for user in people[wanted]:
            rows += outbox.rows_for(key=f"deadline:{task.id}:{user.id}", user=user, template="deadline_extended",
                                    context=context, campaign_id=campaign_id, now=now)
    writer.write_notifications(session, rows, marks)


def _named_task(session: Session, instance_id: int, element_id: Any) -> Task | None:
    if not isinstance(element_id, str):
        return None
    return task_repo.open_task_at(session, instance_id, element_id)


def _task_context(session: Session, task: Task, theme: str) -> dict[str, Any]:
    who = task.assignee_id or task.candidate_user_id
    assignee = user_repo.by_id(session, who) if who else None
    return {"task_name": task.name, "application_theme": theme, "link": links.task(task.id),
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "assignee_name": assignee.display_name if assignee else ""}


def _application_context(application: Application | None) -> dict[str, Any]:
    """What a notice about an application (not one of its tasks) may say: theme, campaign, window, its page."""
    if application is None:
        return {"application_theme": "", "link": None}
    campaign = application.campaign
    return {"application_id": application.id, "application_theme": application.theme or "",
            "campaign_name": campaign.name, "closes_at": campaign.closes_at.isoformat(),
            "link": links.application(application.id)}
