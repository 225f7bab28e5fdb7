"""Organisation units: the federation, its unions and their enterprises."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import Base

UNIT_TYPES = (
    "federation", "federation_department", "county_union", "development_zone_union",
    "industry_union", "bureau_union", "direct_grassroots_union", "enterprise",
)
# An enterprise under one of these is vetted by it before the federation reviews.
VETTING_UNIT_TYPES = ("county_union", "industry_union", "bureau_union")


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    @property
    def supervising_union_id(self) -> int | None:
        """The union that vets this unit's applications, if any."""
        if self.type == "enterprise" and self.parent is not None and self.parent.type in VETTING_UNIT_TYPES:
            return self.parent.id
        return None
