"""Notifications caused by an engine step, queued in the step's own transaction.

* every ``notify`` service-task call (handlers/notify.py) becomes outbox rows; a
  request whose context names ``task_element`` (e.g. a non-interrupting boundary
  timer's reminder) is filled in from that open task (name, due time, assignee,
  link), and a ``task_due_soon`` sent this way stands in for the generic sweep's;
* every new reviewer task (one with a due date) tells its candidates ``task_assigned``.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.orm import Session

from service.engine import StepResult
from service.models import Application, ProcessInstance, Task
from service.workflows import outbox
from service.workflows.recipients import effect_recipients, task_recipients


def task_link(task: Task) -> str:
    return f"/tasks/{task.id}"


def after_step(*, session: Session, instance: ProcessInstance, result: StepResult,
               unit_scope: Callable[[str], int | None], application_id: int | None,
               created_tasks: list[Task]) -> None:
    """Queue the step's notifications; the caller commits them with the step."""
    notify_calls = [e for e in result.effects if e.operation == "notify" and isinstance(e.result, dict)]
    reviewer_tasks = [t for t in created_tasks if t.due_at is not None]
    if not notify_calls and not reviewer_tasks:
        return
    application = session.get(Application, application_id) if application_id else None
    campaign_id = application.campaign_id if application else None
    theme = application.theme if application else ""
    revision = instance.revision or 0
    for index, effect in enumerate(notify_calls):
        request: dict[str, Any] = effect.result
        asked = dict(request.get("context") or {})
        task = _named_task(session, instance.id, asked.get("task_element"))
        base = _task_context(session, task, theme) if task is not None else {
            "application_theme": theme, "link": f"/applications/{application_id}" if application_id else None}
        context = {**base, **asked}
        if task is not None:
            if request["template"] == "task_due_soon":
                task.reminders_sent = sorted(set(task.reminders_sent or []) | {"due_soon"})
        for user in effect_recipients(session, request, unit_scope):
            outbox.enqueue(session, key=f"notify:{instance.id}:{revision}:{index}:{user.id}", user=user,
                           template=request["template"], context=context, campaign_id=campaign_id)
    if reviewer_tasks:
        session.flush()
    for task in reviewer_tasks:
        context = {"task_name": task.name, "application_theme": theme, "link": task_link(task),
                   "due_at": task.due_at.isoformat() if task.due_at else None}
        for user in task_recipients(session, task):
            outbox.enqueue(session, key=f"task_assigned:{task.id}:{user.id}", user=user,
                           template="task_assigned", context=context, campaign_id=campaign_id)


def _named_task(session: Session, instance_id: int, element_id: Any) -> Task | None:
    if not isinstance(element_id, str):
        return None
    from sqlalchemy import select

    return session.scalar(select(Task).where(Task.instance_id == instance_id, Task.element_id == element_id,
                                             Task.state == "open").order_by(Task.id).limit(1))


def _task_context(session: Session, task: Task, theme: str) -> dict[str, Any]:
    from service.models import User

    who = task.assignee_id or task.candidate_user_id
    assignee = session.get(User, who) if who else None
    return {"task_name": task.name, "application_theme": theme, "link": task_link(task),
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "assignee_name": assignee.display_name if assignee else "（待认领）"}
