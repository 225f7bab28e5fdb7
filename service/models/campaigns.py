"""Campaigns (one appraisal a year) and the applications units submit."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import Base
from service.models.org import OrgUnit
from service.models.types import JsonType, UtcDateTime


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("year", "process_key", "owner_unit_id", name="uq_campaign_year_process_owner"),
                      # the federation's campaigns have no owner, and NULLs are never equal in a unique constraint
                      Index("uq_campaigns_year_process_owner_any", "year", "process_key",
                            func.coalesce(text("owner_unit_id"), 0), unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[str] = mapped_column(String(80), default="innovation_appraisal")
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    grades: Mapped[list[str]] = mapped_column(JsonType)
    no_award_grade: Mapped[str] = mapped_column(String(40))
    max_applications_per_unit: Mapped[int | None] = mapped_column(Integer)
    """At most this many applications per unit (rejected, withdrawn and lapsed ones not counted); None: no limit."""
    reminders: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    process_version: Mapped[int | None] = mapped_column(Integer)
    """The version of ``process_key`` new applications start on; None: the latest deployed."""
    scoring_rules: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    """Trimming and rounding of the aggregation (service.workflows.campaign_rules.scoring_rules fills defaults)."""
    min_eligible_scorers: Mapped[int | None] = mapped_column(Integer)
    """The readiness check wants each applicant unit to keep this many scorers after recusal."""
    applicant_unit_ids: Mapped[list[int] | None] = mapped_column(JsonType)
    """The units that may apply; None: every unit of a type that may apply."""
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the office opened the window (submissions need it); None: still being set up."""
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    scoring_quorum: Mapped[int | None] = mapped_column(Integer)
    """The office may close an item's scoring once this many sheets are in; None: every eligible scorer scores."""
    grade_quotas: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    """Per grade, at most ``{"max": n}`` items or ``{"share": 0.3}`` of the presented items (rounded down)."""
    notice_working_days: Mapped[int | None] = mapped_column(Integer)
    """How many working days (the campaign's calendar) a public notice (公示) runs; None: the default, 5."""
    shortlist_quorum: Mapped[int | None] = mapped_column(Integer)
    """Leading-group members who must have recorded their views before the shortlist closes; None: 2."""
    vetting_working_days: Mapped[int | None] = mapped_column(Integer)
    """Supervising unions vet within this many working days after the window closes; None: 5."""
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    """The union running this campaign under its own implementing rules (实施细则) for the units below it;
    None: the federation's campaign."""
    form_versions: Mapped[dict[str, int] | None] = mapped_column(JsonType)
    """Form key → the deployed version its applications use (0: the bundled file); None: the newest."""

    owner: Mapped[OrgUnit | None] = relationship(foreign_keys=[owner_unit_id], lazy="select")  # no outer join under FOR UPDATE

    scorer_rows: Mapped[list["CampaignScorer"]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class CampaignScorer(Base):
    """A member of the appraisal group who scores this campaign's items."""

    __tablename__ = "campaign_scorers"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    supervising_union_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    theme: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    proposer: Mapped[str] = mapped_column(Text, default="")
    refinement: Mapped[str] = mapped_column(Text, default="")
    effects: Mapped[str] = mapped_column(Text, default="")
    recognitions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    category: Mapped[str | None] = mapped_column(String(4))
    conditions: Mapped[list[str]] = mapped_column(JsonType, default=list)
    status: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    stage: Mapped[str | None] = mapped_column(String(30), index=True)
    outcome: Mapped[str | None] = mapped_column(String(30))
    grade: Mapped[str | None] = mapped_column(String(40))
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    calculation: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    recusals: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", use_alter=True, name="fk_applications_instance_id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    applicant_type: Mapped[str | None] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    contact_person: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """The main leader who signed the application off (from their account)."""
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When a public notice listed its grade (cleared when an upheld objection sends it back to the decision)."""

    unit: Mapped[OrgUnit] = relationship(foreign_keys=[unit_id], lazy="joined")
    campaign: Mapped[Campaign] = relationship(lazy="joined")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PresentationSession(Base):
    """A public presentation session (公开讲述会): when, where, and the shortlisted items in their order."""

    __tablename__ = "presentation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    slots: Mapped[list["PresentationSlot"]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                           order_by="PresentationSlot.position")


class PresentationSlot(Base):
    """One item's place in a session's order, and what the office recorded of it."""

    __tablename__ = "presentation_slots"
    __table_args__ = (UniqueConstraint("application_id", name="uq_presentation_slots_application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("presentation_sessions.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    position: Mapped[int] = mapped_column(Integer)
    presenter: Mapped[str] = mapped_column(String(100), default="")
    attended: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text, default="")


class ShortlistView(Base):
    """A leading-group member's view on one candidate at one shortlist sitting (the meeting's task)."""

    __tablename__ = "shortlist_views"
    __table_args__ = (UniqueConstraint("sitting_task_id", "application_id", "user_id", name="uq_shortlist_view"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    view: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime())
