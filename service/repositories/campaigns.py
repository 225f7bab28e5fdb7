"""Campaigns: by id and year; who scores one now, where its applications stand, who can apply, vet and score.

Named for what they answer; the readiness check and the set-up page read only these.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service.models import Application, Campaign, CampaignScorer, OrgUnit, ProcessDefinition, User, UserRole

RUNNING_STATUSES = ("draft", "returned", "awaiting_signoff", "in_review")
"""An application whose process still runs."""


def current_scorers(session: Session, campaign_id: int) -> list[tuple[int, int, str]]:
    """The campaign's active scorers now, as (user id, unit id, name), by user id (one query)."""
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(User.id, User.unit_id, User.display_name).join(CampaignScorer, CampaignScorer.user_id == User.id)
        .where(CampaignScorer.campaign_id == campaign_id, User.is_active.is_(True)).order_by(User.id))]


def scorer_ids(session: Session, campaign_id: int) -> list[int]:
    """Every scorer listed on the campaign (active or not), by user id."""
    return list(session.scalars(select(CampaignScorer.user_id).where(CampaignScorer.campaign_id == campaign_id)
                                .order_by(CampaignScorer.user_id)))


def users_with_role(session: Session, ids: Iterable[int], role: str) -> set[int]:
    """Which of ``ids`` are users holding ``role``."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    return set(session.scalars(select(UserRole.user_id).where(UserRole.user_id.in_(ids), UserRole.role == role)))


def running_by_stage(session: Session, campaign_id: int) -> Counter[str]:
    """Running applications of the campaign per stage (``""`` for none)."""
    rows = session.execute(select(Application.stage, func.count()).where(
        Application.campaign_id == campaign_id, Application.status.in_(RUNNING_STATUSES))
        .group_by(Application.stage))
    return Counter({stage or "": n for stage, n in rows})


def application_count(session: Session, campaign_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Application)
                          .where(Application.campaign_id == campaign_id)) or 0


def scored_count(session: Session, campaign_id: int) -> int:
    """Applications that have been scored (a calculation is stored)."""
    return session.scalar(select(func.count()).select_from(Application).where(
        Application.campaign_id == campaign_id, Application.calculation.is_not(None))) or 0


def running_units(session: Session, campaign_id: int) -> set[int]:
    """Units holding a running application in the campaign."""
    return set(session.scalars(select(Application.unit_id).where(
        Application.campaign_id == campaign_id, Application.status.in_(RUNNING_STATUSES)).distinct()))


def _owned_by(owner_unit_id: int | None) -> ColumnElement[bool]:
    return Campaign.owner_unit_id.is_(None) if owner_unit_id is None else Campaign.owner_unit_id == owner_unit_id


def latest_campaign(session: Session, process_key: str | None = None, *,
                    owner_unit_id: int | None = None) -> Campaign | None:
    """The newest campaign of an owner (of ``process_key``): what "copy last year's" copies by default."""
    query = select(Campaign).where(_owned_by(owner_unit_id))
    if process_key is not None:
        query = query.where(Campaign.process_key == process_key)
    return session.scalar(query.order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1))


def campaign_of_year(session: Session, year: int, process_key: str, owner_unit_id: int | None = None) -> Campaign | None:
    """The owner's campaign of ``process_key`` in ``year`` (one a year each: the federation, every union)."""
    return session.scalar(select(Campaign).where(Campaign.year == year, Campaign.process_key == process_key,
                                                 _owned_by(owner_unit_id)))


def all_units(session: Session) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).order_by(OrgUnit.code)))


def active_role_holders(session: Session, roles: Iterable[str]) -> dict[str, dict[int, list[int]]]:
    """role → unit id → active users holding it there (one query)."""
    found: dict[str, dict[int, list[int]]] = {r: defaultdict(list) for r in roles}
    for user_id, unit_id, role in session.execute(
            select(User.id, UserRole.unit_id, UserRole.role).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_(list(found)), User.is_active.is_(True)).order_by(User.id)):
        found[role][unit_id].append(user_id)
    return found


def definition_version(session: Session, key: str, version: int) -> ProcessDefinition | None:
    """Version ``version`` of process ``key``, if deployed."""
    return session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                          ProcessDefinition.version == version))


def by_id(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def of_year(session: Session, year: int, process_key: str | None = None, *,
            owner_unit_id: int | None = None) -> Campaign | None:
    """The owner's campaign of the year (of this process, when given)."""
    query = select(Campaign).where(Campaign.year == year, _owned_by(owner_unit_id))
    if process_key is not None:
        query = query.where(Campaign.process_key == process_key)
    return session.scalar(query.limit(1))


def newest_first(session: Session, where: ColumnElement[bool] | None = None) -> list[Campaign]:
    """Campaigns (those ``where`` admits: policies.campaign_filter), newest first."""
    query = select(Campaign) if where is None else select(Campaign).where(where)
    return list(session.scalars(query.order_by(Campaign.year.desc(), Campaign.id.desc())))


def open_at(session: Session, now: datetime) -> list[Campaign]:
    """Campaigns whose submission window contains ``now``."""
    return list(session.scalars(select(Campaign).where(Campaign.opens_at <= now, Campaign.closes_at > now)))


def scorer_candidates(session: Session) -> list[User]:
    """Everyone holding the scorer role (active first), for the set-up page's choice."""
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == "scorer").order_by(User.is_active.desc(), User.id)))


def process_versions(session: Session, key: str) -> list[int]:
    """The deployed versions of process ``key``, newest first."""
    return list(session.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == key)
                                .order_by(ProcessDefinition.version.desc())))


def campaigns_newest_first(session: Session, where: ColumnElement[bool] | None = None) -> list[Campaign]:
    return newest_first(session, where)

