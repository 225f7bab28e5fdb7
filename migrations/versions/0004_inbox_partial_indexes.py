"""partial indexes for the task inbox's candidate filter

Revision ID: 0004_inbox_partial_indexes
Revises: 0003_form_definitions
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_inbox_partial_indexes"
down_revision = "0003_form_definitions"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'open'")
POOL = sa.text("state = 'open' AND candidate_user_id IS NULL")


def upgrade() -> None:
    op.create_index("ix_tasks_open_candidate", "tasks", ["candidate_user_id", "due_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tasks_open_pool", "tasks", ["role", "unit_id", "due_at"],
                    postgresql_where=POOL, sqlite_where=POOL)


def downgrade() -> None:
    op.drop_index("ix_tasks_open_pool", table_name="tasks")
    op.drop_index("ix_tasks_open_candidate", table_name="tasks")
