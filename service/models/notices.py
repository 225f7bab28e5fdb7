"""Public notices (公示) of a campaign's confirmed list, their items, and the objections the public files."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import Base
from service.models.types import UtcDateTime

NOTICE_STATUSES = ("open", "awaiting_findings", "final")
"""``open`` during the period; ``awaiting_findings`` once it ended with objections pending; ``final`` after."""

ITEM_STATUSES = ("listed", "reexamining", "final")
"""``listed`` while noticed; ``reexamining`` after an upheld objection; ``final`` when its notice ends."""

OBJECTION_STATUSES = ("pending", "upheld", "dismissed")


class PublicNotice(Base):
    """One publication of confirmed items for a period of working days (the first lists the whole list,
    a later one the items decided again after an upheld objection)."""

    __tablename__ = "public_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    working_days: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    published_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    finalised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    items: Mapped[list["NoticeItem"]] = relationship(lazy="selectin", order_by="NoticeItem.position",
                                                     back_populates="notice")


class NoticeItem(Base):
    """An item as the notice published it: what the public read stays as it was published."""

    __tablename__ = "notice_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("public_notices.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    unit_name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="listed")

    notice: Mapped[PublicNotice] = relationship(back_populates="items")


class Objection(Base):
    """A real-name objection to one noticed item, and the office's finding on it."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("public_notices.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("notice_items.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    contact: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finding_reasons: Mapped[str | None] = mapped_column(Text)
    found_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    found_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    item: Mapped[NoticeItem] = relationship(lazy="joined")
