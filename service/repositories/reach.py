"""The subqueries the reach rule (``service.auth.policies``) filters with: a union's subtree, a unit's chain of
unions above it, the campaigns a person scores and the campaigns a reach covers."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import Select, select

from service.models import Campaign, CampaignScorer, OrgUnit


def subtree(roots: Iterable[int | None], name: str) -> Select:
    """The ids of ``roots`` and every unit below them (recursive CTE)."""
    ids = sorted(r for r in roots if r is not None)
    tree = select(OrgUnit.id.label("id")).where(OrgUnit.id.in_(ids)).cte(name, recursive=True)
    tree = tree.union_all(select(OrgUnit.id).where(OrgUnit.parent_id == tree.c.id))
    return select(tree.c.id)


def chain_up(units: Iterable[int], name: str) -> Select:
    """The ids of ``units`` and every unit above them (recursive CTE)."""
    tree = select(OrgUnit.id.label("id"), OrgUnit.parent_id.label("parent_id")).where(
        OrgUnit.id.in_(sorted(set(units)))).cte(name, recursive=True)
    tree = tree.union_all(select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.id == tree.c.parent_id))
    return select(tree.c.id)


def campaigns_scored_by(user_id: int) -> Select:
    """The campaigns naming ``user_id`` among their scorers."""
    return select(CampaignScorer.campaign_id).where(CampaignScorer.user_id == user_id)


def campaigns_owned_within(owners: Iterable[int | None], name: str) -> Select:
    """The campaigns run by one of ``owners`` or a union below them."""
    return select(Campaign.id).where(Campaign.owner_unit_id.in_(subtree(owners, name)))
