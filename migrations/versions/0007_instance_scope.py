"""every instance stores its unit scope; unit-lane tasks left without a unit get it

Until now only a step that could see the instance's application scoped its new
tasks, so a process started without one (the draft consultation) created its
later unit-lane tasks (``leader_signoff``) with no unit: visible to, and
completable by, every unit's leader. The instance now carries ``unit_id`` and
``supervising_union_id`` from its start. Existing rows are filled from their
application, else from a unit-lane task that did get a unit; open unit-lane
tasks without a unit then take their instance's.

Revision ID: 0007_instance_scope
Revises: 0006_state_lz4
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_instance_scope"
down_revision = "0006_state_lz4"
branch_labels = None
depends_on = None

# The lane → variable rule as it stood when this migration was written (policies.LANE_SCOPE).
SCOPES = {"unit_id": ("unit_submitter", "unit_leader"), "supervising_union_id": ("vetter",)}


def upgrade() -> None:
    # Batch: SQLite cannot add a foreign key to an existing table, so it copies the table (PostgreSQL: ALTER).
    with op.batch_alter_table("process_instances") as batch:
        for column in SCOPES:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f"fk_process_instances_{column}_org_units", "org_units", [column], ["id"])
    for column, roles in SCOPES.items():
        lanes = ", ".join(f"'{role}'" for role in roles)
        op.execute(f"""
            UPDATE process_instances SET {column} = COALESCE(
                (SELECT a.{column} FROM applications a WHERE a.instance_id = process_instances.id),
                (SELECT MIN(t.unit_id) FROM tasks t WHERE t.instance_id = process_instances.id
                   AND t.role IN ({lanes}) AND t.unit_id IS NOT NULL))""")
        op.execute(f"""
            UPDATE tasks SET unit_id = (SELECT p.{column} FROM process_instances p WHERE p.id = tasks.instance_id)
            WHERE unit_id IS NULL AND state = 'open' AND role IN ({lanes})""")


def downgrade() -> None:
    with op.batch_alter_table("process_instances") as batch:
        for column in SCOPES:
            batch.drop_constraint(f"fk_process_instances_{column}_org_units", type_="foreignkey")
            batch.drop_column(column)
