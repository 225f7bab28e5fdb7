"""Campaigns."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign


def by_id(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def of_year(session: Session, year: int, process_key: str | None = None) -> Campaign | None:
    """The year's campaign (of this process, when given)."""
    query = select(Campaign).where(Campaign.year == year)
    if process_key is not None:
        query = query.where(Campaign.process_key == process_key)
    return session.scalar(query.limit(1))


def newest_first(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.year.desc())))


def open_at(session: Session, now: datetime) -> list[Campaign]:
    """Campaigns whose submission window contains ``now``."""
    return list(session.scalars(select(Campaign).where(Campaign.opens_at <= now, Campaign.closes_at > now)))
