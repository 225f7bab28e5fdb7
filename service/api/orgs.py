"""Organisation units (read-only), for pickers and reports."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from service.api import schemas
from service.api.common import current_user, session
from service.models import OrgUnit

bp = Blueprint("orgs", __name__)


@bp.get("/org-units")
def list_() -> dict:
    current_user()
    return {"items": [schemas.org_unit(u) for u in session().scalars(select(OrgUnit).order_by(OrgUnit.code))]}
