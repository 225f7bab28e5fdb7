"""Queries of the list meetings: open steps of a campaign's items, presentation sessions and their slots."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import Application, PresentationSession, PresentationSlot, Task


def open_tasks_of_kind(session: Session, campaign_id: int, form_key: str) -> list[Task]:
    """The campaign's open tasks of one kind of work (``service.work_kinds``), by application then id."""
    return list(session.scalars(
        select(Task).join(Application, Application.id == Task.application_id)
        .where(Application.campaign_id == campaign_id, Task.form_key == form_key, Task.state == "open")
        .order_by(Task.application_id, Task.id)))


def tasks_of_item(session: Session, application_id: int, form_key: str) -> list[Task]:
    """Every task (open or done) of one item of one kind of work, by id."""
    return list(session.scalars(select(Task).where(Task.application_id == application_id,
                                                   Task.form_key == form_key).order_by(Task.id)))


def presented_count(session: Session, campaign_id: int) -> int:
    """How many of the campaign's items were scored (presented and scored: what grade shares are of)."""
    return session.scalar(select(func.count(Application.id)).where(
        Application.campaign_id == campaign_id, Application.final_score.is_not(None))) or 0


def graded_elsewhere(session: Session, campaign_id: int, excluded: list[int]) -> list[tuple[int, str]]:
    """(application id, grade) of the campaign's items holding a grade, except ``excluded``."""
    return [(i, g) for i, g in session.execute(
        select(Application.id, Application.grade).where(Application.campaign_id == campaign_id,
                                                        Application.grade.is_not(None),
                                                        Application.id.not_in(excluded or [0])))]


def sessions_of(session: Session, campaign_id: int) -> list[PresentationSession]:
    return list(session.scalars(select(PresentationSession).where(PresentationSession.campaign_id == campaign_id)
                                .order_by(PresentationSession.starts_at, PresentationSession.id)))


def session_by_id(session: Session, session_id: int) -> PresentationSession | None:
    return session.get(PresentationSession, session_id)


def slot_of(session: Session, application_id: int) -> PresentationSlot | None:
    return session.scalar(select(PresentationSlot).where(PresentationSlot.application_id == application_id))


def lock_session(session: Session, session_id: int) -> PresentationSession | None:
    return session.scalar(select(PresentationSession).where(PresentationSession.id == session_id).with_for_update()
                          .execution_options(populate_existing=True))
