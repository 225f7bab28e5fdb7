"""browser sessions kept on the server (logout, a password change and deactivation end them)

Revision ID: 0012_browser_sessions
Revises: 0011_campaign_setup
Create Date: 2026-11-29 18:30:00

The browser's cookie was the whole session (signed, self-contained), so logging
out only forgot it in that browser: a copy kept working until it expired. The
cookie now carries a random id; this table says whose it is and whether it
still counts. Logins made before this revision carry no id and are asked to log
in again.
"""
from alembic import op
import sqlalchemy as sa

import service.models.types

revision = "0012_browser_sessions"
down_revision = "0011_campaign_setup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "browser_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", service.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_browser_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_browser_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_browser_sessions_token_hash")),
    )
    with op.batch_alter_table("browser_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_browser_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("browser_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_browser_sessions_user_id"))
    op.drop_table("browser_sessions")
