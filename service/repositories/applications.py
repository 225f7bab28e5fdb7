"""Applications."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service.models import Application, Task


def by_ids(session: Session, ids: Iterable[int]) -> list[Application]:
    """The applications with these ids (unknown ids are skipped)."""
    wanted = list(ids)
    if not wanted:
        return []
    return list(session.scalars(select(Application).where(Application.id.in_(wanted))))


def by_id(session: Session, application_id: int) -> Application | None:
    return session.get(Application, application_id)


WITH_THE_UNIT = ("draft", "returned", "awaiting_signoff")
"""Until the window closes these wait on the unit (the close lapses them: the BPMN's boundary timers)."""
NOT_ENTERED = (*WITH_THE_UNIT, "lapsed", "withdrawn")
"""Never (or not yet) entered into the appraisal: drafts, items back with their unit, those that lapsed (left
to the window's close) and those their unit withdrew. The results, the score sheets and their exports leave
them out."""


def entered_of_campaign(session: Session, campaign_id: int) -> list[Application]:
    """The campaign's applications that reached the federation, whatever came of them, by id."""
    return list(session.scalars(select(Application).where(Application.campaign_id == campaign_id,
                                                          Application.status.not_in(NOT_ENTERED))
                                .order_by(Application.id)))


def awarded_of_campaign(session: Session, campaign_id: int) -> list[Application]:
    """The campaign's awarded applications (the chair's office confirmed the grade), by id."""
    return list(session.scalars(select(Application).where(Application.campaign_id == campaign_id,
                                                          Application.status == "awarded")
                                .order_by(Application.id)))


def of_instance(session: Session, instance_id: int) -> Application | None:
    return session.scalar(select(Application).where(Application.instance_id == instance_id))


def page_of_applications(session: Session, *, visible: ColumnElement[bool] | None, campaign_id: int | None,
                         status: str | None, stage: str | None, unit_id: int | None, page: int,
                         page_size: int) -> tuple[list[Application], int]:
    """One page of applications (``visible``: the reader's filter, from the policies), by id, and the total."""
    query = select(Application)
    if visible is not None:
        query = query.where(visible)
    if campaign_id is not None:
        query = query.where(Application.campaign_id == campaign_id)
    if status:
        query = query.where(Application.status == status)
    if stage:
        query = query.where(Application.stage == stage)
    if unit_id is not None:
        query = query.where(Application.unit_id == unit_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Application.id).offset((page - 1) * page_size).limit(page_size))
    return list(rows), total or 0


def scored_by(user_id: int) -> ColumnElement[bool]:
    """A filter: the applications this user is a named candidate (a scorer) of."""
    return Application.id.in_(select(Task.application_id).where(Task.candidate_user_id == user_id))


def unit_statuses(session: Session, campaign_id: int) -> list[tuple[int, str]]:
    """(unit id, status) of every application of the campaign."""
    return [(unit_id, status) for unit_id, status in session.execute(
        select(Application.unit_id, Application.status).where(Application.campaign_id == campaign_id))]


def of_campaign_in_status(session: Session, campaign_id: int, status: str) -> list[Application]:
    return list(session.scalars(select(Application).where(Application.campaign_id == campaign_id,
                                                          Application.status == status)))


def of_campaign_by_id(session: Session, campaign_id: int) -> list[Application]:
    """The campaign's applications in id order."""
    return list(session.scalars(select(Application).where(Application.campaign_id == campaign_id)
                                .order_by(Application.id)))


def in_scoring(session: Session, campaign_ids: list[int]) -> list[Application]:
    """Applications of these campaigns at the scoring stage."""
    return list(session.scalars(select(Application).where(Application.campaign_id.in_(campaign_ids),
                                                          Application.stage == "scoring")))
