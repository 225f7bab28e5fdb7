"""organisation managed by the office: units can be deactivated, one-time password links, kept import files

Revision ID: 0010_org_accounts
Revises: 0009_incidents
Create Date: 2026-11-29 18:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import service.models.types

revision = "0010_org_accounts"
down_revision = "0009_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("org_units") as batch:
        batch.add_column(sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", service.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_password_links_user_id_users")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_password_links_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_links_token_hash")),
    )
    op.create_index(op.f("ix_password_links_user_id"), "password_links", ["user_id"])
    op.create_table(
        "org_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("summary", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", service.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_org_imports_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_imports")),
    )


def downgrade() -> None:
    op.drop_table("org_imports")
    op.drop_index("ix_password_links_user_id", table_name="password_links")
    op.drop_table("password_links")
    with op.batch_alter_table("org_units") as batch:
        batch.drop_column("is_active")
