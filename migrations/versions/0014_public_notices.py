"""public notices (公示): the confirmed list published for a period of working days, and objections to it

Campaigns gain ``notice_working_days`` (None: the default of 5); applications gain
``published_at``, when a notice listed their grade. A notice lists items as they
were published; objections are filed by the public against one item and carry the
office's finding.

Revision ID: 0014_public_notices
Revises: 0013_scoring_sessions
"""
import sqlalchemy as sa
from alembic import op

import service.models.types

revision = "0014_public_notices"
down_revision = "0013_scoring_sessions"
branch_labels = None
depends_on = None

UTC = service.models.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("notice_working_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("published_at", UTC, nullable=True))
    op.create_table(
        "public_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("finalised_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_public_notices_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"], name=op.f("fk_public_notices_published_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_notices")),
    )
    with op.batch_alter_table("public_notices") as batch:
        batch.create_index(batch.f("ix_public_notices_campaign_id"), ["campaign_id"], unique=False)
        batch.create_index(batch.f("ix_public_notices_status"), ["status"], unique=False)
        batch.create_index(batch.f("ix_public_notices_ends_at"), ["ends_at"], unique=False)
    op.create_table(
        "notice_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["public_notices.id"], name=op.f("fk_notice_items_notice_id_public_notices")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_notice_items_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_items")),
    )
    with op.batch_alter_table("notice_items") as batch:
        batch.create_index(batch.f("ix_notice_items_notice_id"), ["notice_id"], unique=False)
        batch.create_index(batch.f("ix_notice_items_application_id"), ["application_id"], unique=False)
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filed_at", UTC, nullable=False),
        sa.Column("finding_reasons", sa.Text(), nullable=True),
        sa.Column("found_by", sa.Integer(), nullable=True),
        sa.Column("found_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["public_notices.id"], name=op.f("fk_objections_notice_id_public_notices")),
        sa.ForeignKeyConstraint(["item_id"], ["notice_items.id"], name=op.f("fk_objections_item_id_notice_items")),
        sa.ForeignKeyConstraint(["found_by"], ["users.id"], name=op.f("fk_objections_found_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("reference", name=op.f("uq_objections_reference")),
    )
    with op.batch_alter_table("objections") as batch:
        batch.create_index(batch.f("ix_objections_notice_id"), ["notice_id"], unique=False)
        batch.create_index(batch.f("ix_objections_item_id"), ["item_id"], unique=False)
        batch.create_index(batch.f("ix_objections_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("objections")
    op.drop_table("notice_items")
    op.drop_table("public_notices")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("published_at")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("notice_working_days")
