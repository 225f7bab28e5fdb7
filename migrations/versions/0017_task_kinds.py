"""tasks are found by their kind of work: an index on (form_key, state)

The service's code finds the work of a campaign's meetings and an application's
status by the form key of the task or waiting row (service/work_kinds.py), never by
the element id a process administrator may rename in the modeler. Every task row
(open, waiting at a message catch event, or done) already carries its form key.

Revision ID: 0017_task_kinds
Revises: 0016_local_rules
"""
from alembic import op

revision = "0017_task_kinds"
down_revision = "0016_local_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_kind_state", "tasks", ["form_key", "state"])


def downgrade() -> None:
    op.drop_index("ix_tasks_kind_state", table_name="tasks")
