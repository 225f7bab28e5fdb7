"""Organisation units (read-only), for pickers and reports."""
from __future__ import annotations

from flask import Blueprint

from service.api import schemas
from service.api.common import session
from service.api.contract import operation
from service.schemas.common import Items
from service.schemas.orgs import OrgUnitRead
from service.workflows import orgs

bp = Blueprint("orgs", __name__)


@bp.get("/org-units")
@operation("Organisation units", response=Items[OrgUnitRead], errors=(401,))
def list_() -> dict:
    return {"items": [schemas.org_unit(u) for u in orgs.list_units(session=session())]}
