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
from sqlalchemy import TextClause, text

revision = "0005_inbox_pool_index_id"
down_revision = "0004_inbox_partial_indexes"
branch_labels = None
depends_on = None

# A pool task is open and names no one; a federation-wide one also belongs to no unit.
POOL = text("state = 'open' AND candidate_user_id IS NULL")
WIDE = text(f"{POOL.text} AND unit_id IS NULL")


def _partial(name: str, columns: list[str], where: TextClause) -> None:
    """A partial index on tasks, the same on PostgreSQL and SQLite."""
    op.create_index(name, "tasks", columns, postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    op.drop_index("ix_tasks_open_pool", table_name="tasks")
    _partial("ix_tasks_open_pool", ["role", "unit_id", "due_at", "id"], POOL)
    _partial("ix_tasks_open_pool_wide", ["role", "due_at", "id"], WIDE)


def downgrade() -> None:
    op.drop_index("ix_tasks_open_pool_wide", table_name="tasks")
    op.drop_index("ix_tasks_open_pool", table_name="tasks")
    _partial("ix_tasks_open_pool", ["role", "unit_id", "due_at"], POOL)
