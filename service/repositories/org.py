"""Organisation units."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import OrgUnit


def units_by_code(session: Session) -> list[OrgUnit]:
    """Every organisation unit, in code order."""
    return list(session.scalars(select(OrgUnit).order_by(OrgUnit.code)))


def existing_unit_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of these unit ids exist."""
    return set(session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(set(ids)))))


def units_of_types(session: Session, types: Iterable[str]) -> list[OrgUnit]:
    """Units of these types, in code order."""
    return list(session.scalars(select(OrgUnit).where(OrgUnit.type.in_(list(types))).order_by(OrgUnit.code)))


def federation(session: Session) -> OrgUnit | None:
    """The federation at the root of the organisation (the issuer of the award documents)."""
    return session.scalar(select(OrgUnit).where(OrgUnit.type == "federation", OrgUnit.parent_id.is_(None))
                          .order_by(OrgUnit.id))
