"""meetings: items wait at message catch events; shortlist views; quorum and vetting deadline settings

Revision ID: 0015_meetings
Revises: 0014_public_notices
Create Date: 2026-11-29 21:45:00

An item waiting for a meeting's decision is a task row in state ``waiting`` naming the
message it waits for (indexed, partial on that state): the meeting's list is an index
scan, and the decision completes the row like any task. Each leading-group member's
view on a candidate at a shortlist sitting is a row of ``shortlist_views``.
"""
from alembic import op
import sqlalchemy as sa

import service.models.types

revision = "0015_meetings"
down_revision = "0014_public_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message", sa.String(length=80), nullable=True))
        batch_op.create_index("ix_tasks_waiting_message", ["message", "application_id"], unique=False,
                              postgresql_where=sa.text("state = 'waiting'"), sqlite_where=sa.text("state = 'waiting'"))
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shortlist_quorum", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("vetting_working_days", sa.Integer(), nullable=True))
    op.create_table(
        "shortlist_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_task_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sitting_task_id"], ["tasks.id"], name=op.f("fk_shortlist_views_sitting_task_id_tasks")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_shortlist_views_application_id_applications")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_shortlist_views_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist_views")),
        sa.UniqueConstraint("sitting_task_id", "application_id", "user_id", name="uq_shortlist_view"),
    )
    with op.batch_alter_table("shortlist_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shortlist_views_sitting_task_id"), ["sitting_task_id"], unique=False)


def downgrade() -> None:
    op.drop_table("shortlist_views")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("vetting_working_days")
        batch_op.drop_column("shortlist_quorum")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_waiting_message")
        batch_op.drop_column("message")
