"""Task rows: which task is open where (the worklists' own queries are in worklists.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, union_all
from sqlalchemy.orm import Session

from service import work_kinds
from service.models import Application, Task
from service.repositories.applications import NOT_ENTERED


def open_task_at(session: Session, instance_id: int, element_id: str) -> Task | None:
    """The instance's first open task at this BPMN element."""
    return session.scalar(select(Task).where(Task.instance_id == instance_id, Task.element_id == element_id,
                                             Task.state == "open").order_by(Task.id).limit(1))


def has_open_form_task(session: Session, application_id: int, form_key: str) -> bool:
    """Whether the application has an open task showing this form (e.g. it is with the unit for editing)."""
    return session.scalar(select(Task.id).where(Task.application_id == application_id, Task.state == "open",
                                                Task.form_key == form_key).limit(1)) is not None


def is_candidate_on(session: Session, application_id: int, user_id: int) -> bool:
    """Whether the user is (or was) a named candidate of one of the application's tasks (a scorer of it)."""
    return session.scalar(select(Task.id).where(Task.application_id == application_id,
                                                Task.candidate_user_id == user_id).limit(1)) is not None


def by_id(session: Session, task_id: int) -> Task | None:
    return session.get(Task, task_id)


def open_form_task(session: Session, application_id: int, form_key: str) -> Task | None:
    return session.scalar(select(Task).where(Task.application_id == application_id, Task.state == "open",
                                             Task.form_key == form_key))


def counts_scorer(session: Session, application_id: int, user_id: int) -> bool:
    """Whether the user has any task (any state) on the application as its named candidate."""
    return (session.scalar(select(func.count()).select_from(Task).where(
        Task.application_id == application_id, Task.candidate_user_id == user_id)) or 0) > 0


def _due_order(columns: Any) -> tuple[Any, Any]:
    """Soonest due first, undated last, then oldest: the order the inbox indexes keep."""
    return columns.due_at.asc().nulls_last(), columns.id.asc()


def page_in_due_order(session: Session, *, branches: list[ColumnElement[bool]], state: str, role: str | None,
                      stage: str | None, application_id: int | None, due_before: datetime | None,
                      assignee_id: int | None, unassigned: bool, page: int, page_size: int,
                      cap: int) -> tuple[list[Task], int]:
    """A page of tasks matching any branch and every filter, soonest due first, and their count up to ``cap`` + 1.

    Each branch (a candidate filter with its partial index) is read in due order and
    cut at the page's end, then merged: a scorer with thousands of open tasks costs a
    page, not a sort of them all.
    """
    filters: list[ColumnElement[bool]] = []
    if state != "all":
        filters.append(Task.state == state)
    if role:
        filters.append(Task.role == role)
    if stage:
        filters.append(Task.stage == stage)
    if application_id is not None:
        filters.append(Task.application_id == application_id)
    if due_before is not None:
        filters.append(Task.due_at < due_before)
    if assignee_id is not None:
        filters.append(Task.assignee_id == assignee_id)
    elif unassigned:
        filters.append(Task.assignee_id.is_(None))
    end = page * page_size
    # Each branch yields only its (id, due_at) keys, so the merge stays narrow; the page's rows are joined last.
    parts = [select(Task.id, Task.due_at).where(branch, *filters).order_by(*_due_order(Task.__table__.c))
             .limit(end).subquery() for branch in branches]
    merged = union_all(*(select(part) for part in parts)).subquery()
    keys = select(merged).order_by(*_due_order(merged.c)).offset(end - page_size).limit(page_size).subquery()
    capped = [select(Task.id).where(branch, *filters).limit(cap + 1).subquery() for branch in branches]
    count = select(func.count()).select_from(union_all(*(select(part.c.id) for part in capped)).subquery())
    # The count rides along on every row of the page: one round trip, unless the page is empty.
    found = session.execute(select(Task, count.scalar_subquery()).join(keys, Task.id == keys.c.id)
                            .order_by(*_due_order(keys.c))).all()
    counted = found[0][1] if found else (session.scalar(count) or 0)
    return [task for task, _ in found], counted


def open_due_by(session: Session, horizon: datetime, limit: int | None = None) -> list[Task]:
    """Open tasks, and items waiting for a decision with a deadline (forwarding), due at or before ``horizon``,
    soonest first."""
    query = select(Task).where(Task.state.in_(("open", "waiting")), Task.due_at.is_not(None),
                               Task.due_at <= horizon).order_by(Task.due_at)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def overdue_of_applications(session: Session, application_ids: list[int], now: datetime) -> list[Task]:
    """Open tasks of these applications past their due date, soonest due first."""
    if not application_ids:
        return []
    return list(session.scalars(select(Task).where(Task.state == "open", Task.due_at < now,
                                                   Task.application_id.in_(application_ids)).order_by(Task.due_at)))


def of_application(session: Session, application_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.application_id == application_id)))


def completed_scoring_of_campaign(session: Session, campaign_id: int) -> list[tuple[Task, Application]]:
    """Every completed scoring task of the campaign's entered applications (``applications.NOT_ENTERED``
    left out) with its application, by application then task."""
    return [(t, a) for t, a in session.execute(
        select(Task, Application).join(Application, Task.application_id == Application.id)
        .where(Application.campaign_id == campaign_id, Application.status.not_in(NOT_ENTERED),
               Task.form_key == work_kinds.SCORING, Task.state == "completed")
        .order_by(Application.id, Task.id))]


def confirmed_at(session: Session, application_ids: list[int]) -> dict[int, datetime]:
    """When the chair's office confirmed each application's award (its completed confirmation task)."""
    if not application_ids:
        return {}
    found: dict[int, datetime] = {}
    for task in session.scalars(select(Task).where(Task.application_id.in_(application_ids),
                                                   Task.form_key == work_kinds.CHAIR_CONFIRMATION,
                                                   Task.state == "completed", Task.completed_at.is_not(None))
                                .order_by(Task.id)):
        found[task.application_id or 0] = task.completed_at  # type: ignore[assignment]
    return found
