"""Open work as lists: everyone's open tasks (supervision), the open tasks of a page of applications.

Both read the ``tasks`` rows, never a workflow: the due order is the one the
inbox indexes keep (soonest due first, undated last, then oldest).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service.models import Application, Campaign, OrgUnit, Task


def open_tasks_page(session: Session, *, due_before: datetime | None = None, stage: str | None = None,
                    page: int = 1, page_size: int = 50,
                    where: ColumnElement[bool] | None = None) -> tuple[list[Task], int]:
    """Every open task (optionally due before ``due_before``, in ``stage``, those ``where`` admits:
    policies.task_supervision_filter), one page, and how many in all."""
    filters: list[ColumnElement[bool]] = [Task.state == "open"]
    if where is not None:
        filters.append(where)
    if due_before is not None:
        filters.append(Task.due_at < due_before)
    if stage:
        filters.append(Task.stage == stage)
    total = session.scalar(select(func.count()).select_from(Task).where(*filters)) or 0
    rows = session.scalars(select(Task).where(*filters).order_by(Task.due_at.asc().nulls_last(), Task.id.asc())
                           .offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


def open_tasks_by_application(session: Session, application_ids: Iterable[int]) -> dict[int, list[Task]]:
    """The open tasks of each application and the meetings' decisions it waits for, in due order (one query)."""
    ids = sorted(set(application_ids))
    found: dict[int, list[Task]] = defaultdict(list)
    if not ids:
        return found
    for task in session.scalars(select(Task).where(Task.application_id.in_(ids), Task.state.in_(("open", "waiting")))
                                .order_by(Task.due_at.asc().nulls_last(), Task.id.asc())):
        found[task.application_id or 0].append(task)
    return found


def applications_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Application]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(wanted)))}


def units_with_applications(session: Session, campaign_id: int | None = None) -> list[OrgUnit]:
    """Units that have applied (in ``campaign_id`` when given), by code: the unit filter's choices."""
    applied = select(Application.unit_id)
    if campaign_id is not None:
        applied = applied.where(Application.campaign_id == campaign_id)
    return list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(applied)).order_by(OrgUnit.code)))


def open_campaign(session: Session, now: datetime, where: ColumnElement[bool] | None = None) -> Campaign | None:
    """The campaign whose submission window contains ``now`` (the latest to open, if several do), among
    those ``where`` admits (policies.campaign_filter)."""
    query = select(Campaign).where(Campaign.opens_at <= now, Campaign.closes_at >= now)
    if where is not None:
        query = query.where(where)
    return session.scalar(query.order_by(Campaign.opens_at.desc(), Campaign.id.desc()).limit(1))


def campaign_to_apply(session: Session, now: datetime, where: ColumnElement[bool] | None = None,
                      campaign_id: int | None = None) -> Campaign | None:
    """The campaign a unit applies to now (``campaign_id`` when it is one of them): the one whose window
    contains ``now``, else the next not yet closed (drafts may be started before its window opens;
    submitting waits for it)."""
    later = select(Campaign).where(Campaign.closes_at >= now)
    if where is not None:
        later = later.where(where)
    if campaign_id is not None:
        chosen = session.scalar(later.where(Campaign.id == campaign_id))
        if chosen is not None:
            return chosen
    return open_campaign(session, now, where) or session.scalar(
        later.order_by(Campaign.opens_at.asc(), Campaign.id.asc()).limit(1))


def unit_application_count(session: Session, campaign_id: int, unit_id: int) -> int:
    """Applications a unit holds in a campaign, as the per-unit limit counts them (rejected and withdrawn
    ones do not)."""
    return session.scalar(select(func.count()).select_from(Application).where(
        Application.campaign_id == campaign_id, Application.unit_id == unit_id,
        Application.status.not_in(["withdrawn", "rejected"]))) or 0
