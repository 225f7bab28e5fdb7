"""presentation sessions, the scoring quorum and the grade quotas

Revision ID: 0013_scoring_sessions
Revises: 0012_browser_sessions
Create Date: 2026-11-29 22:00:00

The office schedules public presentation sessions (公开讲述会: date, place, the
shortlisted items in order) and records all items of a session on one page; a
campaign may let the office close an item's scoring at a quorum of sheets and
limits how many items each grade may take.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import service.models.types

revision = "0013_scoring_sessions"
down_revision = "0012_browser_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scoring_quorum", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("grade_quotas", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True))
    op.create_table(
        "presentation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("invited_at", service.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", service.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_presentation_sessions_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_presentation_sessions_created_by_users")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_presentation_sessions_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presentation_sessions")),
    )
    with op.batch_alter_table("presentation_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presentation_sessions_campaign_id"), ["campaign_id"], unique=False)
    op.create_table(
        "presentation_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("presenter", sa.String(length=100), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_presentation_slots_application_id_applications")),
        sa.ForeignKeyConstraint(["session_id"], ["presentation_sessions.id"], name=op.f("fk_presentation_slots_session_id_presentation_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presentation_slots")),
        sa.UniqueConstraint("application_id", name="uq_presentation_slots_application_id"),
    )
    with op.batch_alter_table("presentation_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presentation_slots_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("presentation_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presentation_slots_session_id"))
    op.drop_table("presentation_slots")
    with op.batch_alter_table("presentation_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presentation_sessions_campaign_id"))
    op.drop_table("presentation_sessions")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("grade_quotas")
        batch_op.drop_column("scoring_quorum")
