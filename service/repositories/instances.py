"""Instance, task and timer queries."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, defaultload, lazyload

from service.models import Application, Campaign, InstanceEvent, ProcessInstance, Task, Timer


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


WAITS = ("open", "waiting")
"""Task row states the engine still waits at: a person's open task, an item waiting for a meeting's message."""


def lock_task(session: Session, task_id: int) -> Task | None:
    return session.scalar(select(Task).where(Task.id == task_id).with_for_update().execution_options(populate_existing=True))


def open_tasks(session: Session, instance_id: int) -> list[Task]:
    """The instance's open task rows and the rows of the message catch events it waits at."""
    return list(session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state.in_(WAITS))))


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


def by_id(session: Session, instance_id: int) -> ProcessInstance | None:
    return session.get(ProcessInstance, instance_id)


def history(session: Session, instance_id: int) -> list[InstanceEvent]:
    """Everything that happened to the instance, in order."""
    return list(session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                                .order_by(InstanceEvent.id)))


def waiting_elements(session: Session, instance_id: int) -> set[str]:
    """Elements with an open task or a waiting timer (from the indexed rows)."""
    tasks = session.scalars(select(Task.element_id).where(Task.instance_id == instance_id, Task.state.in_(WAITS)))
    timers = session.scalars(select(Timer.element_id).where(Timer.instance_id == instance_id, Timer.state == "waiting"))
    return set(tasks) | set(timers)


def cancel_open_tasks(session: Session, instance_id: int, engine_task_ids: list[Any], at: datetime) -> None:
    """Close the open task rows of engine tasks the step ended without completing them."""
    session.execute(update(Task).where(Task.instance_id == instance_id, Task.state.in_(WAITS),
                                       Task.engine_task_id.in_(engine_task_ids))
                    .values(state="cancelled", completed_at=at))


def close_waiting_timers(session: Session, instance_id: int, engine_task_ids: list[Any], *, state: str,
                         fired_at: datetime | None) -> None:
    """Mark the waiting timer rows of these engine tasks ``fired`` or ``cancelled``."""
    session.execute(update(Timer).where(Timer.instance_id == instance_id, Timer.state == "waiting",
                                        Timer.engine_task_id.in_(engine_task_ids))
                    .values(state=state, fired_at=fired_at))


def ids_to_check(session: Session) -> set[int]:
    """Active instances, and ended ones that still have an open task or a waiting timer (the doctor's list)."""
    ids = set(session.scalars(select(ProcessInstance.id).where(ProcessInstance.status == "active")))
    ids |= set(session.scalars(select(Task.instance_id).where(Task.state.in_(WAITS))))
    ids |= set(session.scalars(select(Timer.instance_id).where(Timer.state == "waiting")))
    return ids


def closed_tasks_of_engine_tasks(session: Session, instance_id: int, engine_task_ids: Iterable[Any]) -> list[Task]:
    """Task rows of these engine tasks that are no longer open."""
    return list(session.scalars(select(Task).where(Task.instance_id == instance_id,
                                                   Task.engine_task_id.in_(list(engine_task_ids)),
                                                   Task.state.not_in(WAITS))))


def ended_timers(session: Session, instance_id: int) -> list[Timer]:
    """The instance's timer rows that are no longer waiting (fired or cancelled)."""
    return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id, Timer.state != "waiting")))


def active_on_definition(session: Session, definition_id: int, *, campaign_id: int | None = None,
                         instance_ids: Iterable[int] | None = None, limit: int = 2000,
                         after_id: int = 0) -> list[tuple[ProcessInstance, Application | None]]:
    """The active instances running ``definition_id`` (of one campaign, or these ids), with their applications, oldest
    first; ``after_id``: only those with a higher id (the next batch)."""
    query = _active_on(select(ProcessInstance, Application), definition_id, campaign_id, instance_ids)
    query = query.where(ProcessInstance.id > after_id).order_by(ProcessInstance.id).limit(limit)
    return [(row[0], row[1]) for row in session.execute(query)]


def count_active_on_definition(session: Session, definition_id: int, *, campaign_id: int | None = None,
                               instance_ids: Iterable[int] | None = None) -> int:
    """How many active instances of one campaign (or of these ids) run ``definition_id``."""
    query = _active_on(select(func.count()).select_from(ProcessInstance), definition_id, campaign_id, instance_ids)
    return session.scalar(query) or 0


def _active_on(query: Select, definition_id: int, campaign_id: int | None,
               instance_ids: Iterable[int] | None) -> Select:
    """The one filter of both: active instances on the definition, of the campaign or of these ids when given."""
    query = (query.outerjoin(Application, Application.instance_id == ProcessInstance.id)
             .where(ProcessInstance.definition_id == definition_id, ProcessInstance.status == "active"))
    if campaign_id is not None:
        query = query.where(Application.campaign_id == campaign_id)
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(list(instance_ids)))
    return query


def count_active_by_definition(session: Session, definition_ids: Iterable[int]) -> dict[int, int]:
    """How many active instances each of these definitions runs."""
    ids = list(definition_ids)
    if not ids:
        return {}
    rows = session.execute(select(ProcessInstance.definition_id, func.count()).where(
        ProcessInstance.definition_id.in_(ids), ProcessInstance.status == "active").group_by(ProcessInstance.definition_id))
    return {definition_id: count for definition_id, count in rows}


def follow_element(session: Session, instance_id: int, element_id: str, values: dict[str, Any]) -> None:
    """Point the index rows at one element (its open task rows, its waiting timers) at their new element."""
    session.execute(update(Task).where(Task.instance_id == instance_id, Task.element_id == element_id,
                                       Task.state.in_(WAITS)).values(**values))
    session.execute(update(Timer).where(Timer.instance_id == instance_id, Timer.element_id == element_id,
                                        Timer.state == "waiting").values(element_id=values["element_id"]))
