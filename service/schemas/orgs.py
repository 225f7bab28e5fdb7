"""Organisation units."""
from __future__ import annotations

from service.schemas.base import Read


class OrgUnitRead(Read):
    id: int
    code: str
    name: str
    name_en: str | None
    type: str
    parent_id: int | None
    supervising_union_id: int | None
