"""Public notices (公示), their items and the objections to them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Application, Campaign, NoticeItem, Objection, PublicNotice, Task

RUNNING = ("draft", "returned", "awaiting_signoff", "in_review")
"""An application whose process still runs (ended ones have their outcome as status)."""


def running_of_campaign(session: Session, campaign_id: int) -> list[Application]:
    """The campaign's applications still in their process, by id."""
    return list(session.scalars(select(Application).where(Application.campaign_id == campaign_id,
                                                          Application.status.in_(RUNNING))
                                .order_by(Application.id)))


def waiting_for(session: Session, application_ids: list[int], form_key: str) -> dict[int, Task]:
    """The rows of these applications' processes waiting (a message catch event) for ``form_key``, by application."""
    if not application_ids:
        return {}
    rows = session.scalars(select(Task).where(Task.application_id.in_(application_ids), Task.form_key == form_key,
                                              Task.state == "waiting").order_by(Task.id))
    return {row.application_id: row for row in rows if row.application_id is not None}


def ended_of_campaign(session: Session, campaign_id: int, outcomes: tuple[str, ...]) -> list[Application]:
    """The campaign's applications whose process ended with one of ``outcomes``, by id."""
    return list(session.scalars(select(Application).where(Application.campaign_id == campaign_id,
                                                          Application.status.in_(outcomes))
                                .order_by(Application.id)))


def items_of(session: Session, application_ids: list[int]) -> list[NoticeItem]:
    """Every notice item of these applications, in any status."""
    if not application_ids:
        return []
    return list(session.scalars(select(NoticeItem).where(NoticeItem.application_id.in_(application_ids))))


def lock_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign row locked for this transaction: two publications of one list wait for each other."""
    return session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update()
                          .execution_options(populate_existing=True))


def by_id(session: Session, notice_id: int) -> PublicNotice | None:
    return session.get(PublicNotice, notice_id)


def lock(session: Session, notice_id: int) -> PublicNotice | None:
    """The notice row locked for this transaction (PostgreSQL: FOR UPDATE; SQLite serialises writers)."""
    return session.scalar(select(PublicNotice).where(PublicNotice.id == notice_id).with_for_update()
                          .execution_options(populate_existing=True))


def newest_first(session: Session, campaign_id: int | None = None) -> list[PublicNotice]:
    query = select(PublicNotice).order_by(PublicNotice.starts_at.desc(), PublicNotice.id.desc())
    if campaign_id is not None:
        query = query.where(PublicNotice.campaign_id == campaign_id)
    return list(session.scalars(query))


def item_by_id(session: Session, item_id: int) -> NoticeItem | None:
    return session.get(NoticeItem, item_id)


def ended_unfinished(session: Session, now: datetime) -> list[int]:
    """Ids of notices whose period has ended and which are not final yet (the sweep's work), oldest first."""
    return list(session.scalars(select(PublicNotice.id).where(PublicNotice.status != "final",
                                                              PublicNotice.ends_at <= now)
                                .order_by(PublicNotice.ends_at, PublicNotice.id)))


def pending_count(session: Session, notice_id: int) -> int:
    return len(list(session.scalars(select(Objection.id).where(Objection.notice_id == notice_id,
                                                               Objection.status == "pending"))))


def objections_of(session: Session, *, campaign_id: int | None = None, status: str | None = None) -> list[Objection]:
    """Objections newest first (for the office), of one campaign or all, in one status or all."""
    query = select(Objection).order_by(Objection.filed_at.desc(), Objection.id.desc())
    if campaign_id is not None:
        query = query.join(PublicNotice, PublicNotice.id == Objection.notice_id) \
            .where(PublicNotice.campaign_id == campaign_id)
    if status:
        query = query.where(Objection.status == status)
    return list(session.scalars(query))


def objection_by_id(session: Session, objection_id: int) -> Objection | None:
    return session.get(Objection, objection_id)


def lock_objection(session: Session, objection_id: int) -> Objection | None:
    return session.scalar(select(Objection).where(Objection.id == objection_id).with_for_update(of=Objection)
                          .execution_options(populate_existing=True))


def objection_by_reference(session: Session, reference: str) -> Objection | None:
    return session.scalar(select(Objection).where(Objection.reference == reference))


def reopening_objections(session: Session, application_ids: list[int]) -> dict[int, Objection]:
    """The upheld objection that sent each of these applications back to the group decision, while it is back
    (its notice item re-examined, the application not yet published again), by application; the latest one."""
    if not application_ids:
        return {}
    rows = session.scalars(select(Objection).join(NoticeItem, NoticeItem.id == Objection.item_id)
                           .join(Application, Application.id == NoticeItem.application_id)
                           .where(NoticeItem.application_id.in_(application_ids), Objection.status == "upheld",
                                  NoticeItem.status == "reexamining", Application.published_at.is_(None))
                           .order_by(Objection.id))
    return {o.item.application_id: o for o in rows}
