"""Organisation units: the federation, its unions and their enterprises."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, func, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import Base
from service.models.types import JsonType, UtcDateTime

UNIT_TYPES = (
    "federation", "federation_department", "county_union", "development_zone_union",
    "industry_union", "bureau_union", "direct_grassroots_union", "enterprise",
)
# An enterprise under one of these is vetted by it before the federation reviews.
VETTING_UNIT_TYPES = ("county_union", "industry_union", "bureau_union")


class OrgUnit(Base):
    __tablename__ = "org_units"
    # the code is unique whatever its case (``unit_code_taken``): two requests at once cannot both pass the check
    __table_args__ = (Index("uq_org_units_code_lower", func.lower(text("code")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    @property
    def supervising_union_id(self) -> int | None:
        """The union that vets this unit's applications, if any."""
        if self.type == "enterprise" and self.parent is not None and self.parent.type in VETTING_UNIT_TYPES:
            return self.parent.id
        return None


class OrgImport(Base):
    """An organisation workbook the office uploaded: kept for its dry run, its import and the record."""

    __tablename__ = "org_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    summary: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
