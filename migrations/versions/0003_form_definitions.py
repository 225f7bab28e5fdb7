"""form schemas deployed through the service

Revision ID: 0003_form_definitions
Revises: 0002_audit_append_only
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import service.models.types

revision = "0003_form_definitions"
down_revision = "0002_audit_append_only"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schema", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("deployed_by", sa.Integer(), nullable=True),
        sa.Column("deployed_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deployed_by"], ["users.id"], name=op.f("fk_form_definitions_deployed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_definitions")),
        sa.UniqueConstraint("key", "version", name="uq_form_key_version"),
    )
    with op.batch_alter_table("form_definitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_definitions_key"), ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_definitions_key"))
    op.drop_table("form_definitions")
