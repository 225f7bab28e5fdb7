"""local implementing rules: campaigns owned by a union, roles held per unit, forms pinned per campaign

A county, industry or bureau union runs its own campaign for the units below it:
``campaigns.owner_unit_id`` names that union (null: the federation's), and the
year's campaign is unique per process and owner. An instance keeps its
campaign's owner (``process_instances.owner_unit_id``, and each task
``tasks.owner_unit_id``), so the tasks of its federation-level lanes (office,
leading group, …) belong to that union's people and its office oversees them.
A person may hold roles in several units: ``user_roles.unit_id`` (the roles held
so far are in the person's own unit). A campaign records the form versions its
applications use (``campaigns.form_versions``; null: the newest deployed).

Revision ID: 0016_local_rules
Revises: 0015_meetings
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_local_rules"
down_revision = "0015_meetings"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("owner_unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("form_versions", JSON, nullable=True))
        batch.create_foreign_key("fk_campaigns_owner_unit_id_org_units", "org_units", ["owner_unit_id"], ["id"])
        batch.create_index("ix_campaigns_owner_unit_id", ["owner_unit_id"])
        batch.drop_constraint("uq_campaign_year_process", type_="unique")
        batch.create_unique_constraint("uq_campaign_year_process_owner", ["year", "process_key", "owner_unit_id"])
    with op.batch_alter_table("process_instances") as batch:
        batch.add_column(sa.Column("owner_unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_process_instances_owner_unit_id_org_units", "org_units", ["owner_unit_id"],
                                 ["id"])
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("owner_unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_tasks_owner_unit_id_org_units", "org_units", ["owner_unit_id"], ["id"])
    with op.batch_alter_table("user_roles") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
    op.execute("UPDATE user_roles SET unit_id = (SELECT users.unit_id FROM users WHERE users.id = user_roles.user_id)")
    with op.batch_alter_table("user_roles", recreate="always") as batch:
        batch.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("pk_user_roles", type_="primary")
        batch.create_primary_key("pk_user_roles", ["user_id", "role", "unit_id"])
        batch.create_foreign_key("fk_user_roles_unit_id_org_units", "org_units", ["unit_id"], ["id"])
        batch.create_index("ix_user_roles_unit_id", ["unit_id"])


def downgrade() -> None:
    op.execute("DELETE FROM user_roles WHERE unit_id <> (SELECT users.unit_id FROM users "
               "WHERE users.id = user_roles.user_id)")
    with op.batch_alter_table("user_roles", recreate="always") as batch:
        batch.drop_index("ix_user_roles_unit_id")
        batch.drop_constraint("fk_user_roles_unit_id_org_units", type_="foreignkey")
        batch.drop_constraint("pk_user_roles", type_="primary")
        batch.create_primary_key("pk_user_roles", ["user_id", "role"])
        batch.drop_column("unit_id")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("fk_tasks_owner_unit_id_org_units", type_="foreignkey")
        batch.drop_column("owner_unit_id")
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_constraint("fk_process_instances_owner_unit_id_org_units", type_="foreignkey")
        batch.drop_column("owner_unit_id")
    # a union's campaign of a year the federation also ran stops this (the old key cannot hold both): refused
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_constraint("uq_campaign_year_process_owner", type_="unique")
        batch.create_unique_constraint("uq_campaign_year_process", ["year", "process_key"])
        batch.drop_index("ix_campaigns_owner_unit_id")
        batch.drop_constraint("fk_campaigns_owner_unit_id_org_units", type_="foreignkey")
        batch.drop_column("form_versions")
        batch.drop_column("owner_unit_id")
