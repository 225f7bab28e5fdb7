"""Organisation units."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import OrgUnit


def units_by_code(session: Session) -> list[OrgUnit]:
    """Every organisation unit, in code order."""
    return list(session.scalars(select(OrgUnit).order_by(OrgUnit.code)))
