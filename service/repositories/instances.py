"""Instance, task and timer queries."""
from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, defaultload, lazyload

from service.models import Application, Campaign, ProcessInstance, Task, Timer


def lock_instance(session: Session, instance_id: int) -> ProcessInstance | None:
    """The instance row, locked for this transaction (PostgreSQL: FOR UPDATE)."""
    return session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update(of=ProcessInstance)
        .execution_options(populate_existing=True)
    )


# Built once: constructing this statement cost about as much Python as loading its row.
# The application's unit stays lazy (a completion reads only unit_id), its campaign comes
# along, and the campaign's scorer list stays lazy too.
_LOCK_FOR_COMPLETION = (
    select(ProcessInstance, Task, Application).join(Task, Task.instance_id == ProcessInstance.id)
    .outerjoin(Application, Application.id == Task.application_id).where(Task.id == bindparam("task_id"))
    .options(lazyload(Application.unit), defaultload(Application.campaign).lazyload(Campaign.scorer_rows))
    .with_for_update(of=[ProcessInstance, Task]).execution_options(populate_existing=True)
)


def lock_for_completion(session: Session, task_id: int) -> tuple[Task, ProcessInstance, Application | None] | None:
    """A task and its instance, both rows locked, with the task's application, in one round trip.

    The instance comes first in the FROM list so PostgreSQL locks it before the
    task row, the same order as every other writer (timers, cancels) takes.
    """
    row = session.execute(_LOCK_FOR_COMPLETION, {"task_id": task_id}).first()
    return (row[1], row[0], row[2]) if row is not None else None


def lock_task(session: Session, task_id: int) -> Task | None:
    return session.scalar(select(Task).where(Task.id == task_id).with_for_update().execution_options(populate_existing=True))


def open_tasks(session: Session, instance_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "open")))


def waiting_timers(session: Session, instance_id: int) -> list[Timer]:
    return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id, Timer.state == "waiting")))


def page_of_instances(session: Session, *, status: str | None, page: int, page_size: int) -> tuple[list[ProcessInstance], int]:
    """One page of instances, newest first, and how many there are (optionally of one status)."""
    found = select(ProcessInstance)
    if status:
        found = found.where(ProcessInstance.status == status)
    total = session.scalar(select(func.count()).select_from(found.subquery())) or 0
    rows = list(session.scalars(found.order_by(ProcessInstance.id.desc()).offset((page - 1) * page_size).limit(page_size)))
    return rows, total
