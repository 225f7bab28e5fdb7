"""Organisation units (read-only), for pickers and reports."""
from __future__ import annotations

from sqlalchemy.orm import Session

from service.models import OrgUnit
from service.repositories import org


def list_units(*, session: Session) -> list[OrgUnit]:
    """Every organisation unit, in code order."""
    return org.units_by_code(session)
