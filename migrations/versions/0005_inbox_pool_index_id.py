"""inbox pool indexes that keep each lane in inbox order (due date, then id)

The pool index gains the task id, and federation-wide pool rows (no unit) get
their own index: PostgreSQL does not treat ``unit_id IS NULL`` as fixing the
column, so only an index whose predicate contains it returns those rows
already sorted, and the planner's row estimate for that lane (role and unit
are correlated) is far too high to trust a filter instead.

Revision ID: 0005_inbox_pool_index_id
Revises: 0004_inbox_partial_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_inbox_pool_index_id"
down_revision = "0004_inbox_partial_indexes"
branch_labels = None
depends_on = None

POOL = sa.text("state = 'open' AND candidate_user_id IS NULL")
WIDE = sa.text("state = 'open' AND candidate_user_id IS NULL AND unit_id IS NULL")


def upgrade() -> None:
    op.drop_index("ix_tasks_open_pool", table_name="tasks")
    op.create_index("ix_tasks_open_pool", "tasks", ["role", "unit_id", "due_at", "id"],
                    postgresql_where=POOL, sqlite_where=POOL)
    op.create_index("ix_tasks_open_pool_wide", "tasks", ["role", "due_at", "id"],
                    postgresql_where=WIDE, sqlite_where=WIDE)


def downgrade() -> None:
    op.drop_index("ix_tasks_open_pool_wide", table_name="tasks")
    op.drop_index("ix_tasks_open_pool", table_name="tasks")
    op.create_index("ix_tasks_open_pool", "tasks", ["role", "unit_id", "due_at"],
                    postgresql_where=POOL, sqlite_where=POOL)
