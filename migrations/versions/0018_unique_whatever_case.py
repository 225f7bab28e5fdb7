"""what the checks call unique is unique in the database too: a unit code and a username whatever their case,
a federation campaign (no owner) once a year per process

``unit_code_taken`` and ``username_taken`` compare lower-cased values and the campaign check treats "no owner" as
one owner, but the constraints compared the raw values (and NULLs are never equal in a unique constraint), so two
requests at once could both pass the check and both insert. The indexes make the second one a unique violation,
which the API answers with 409.

Revision ID: 0018_unique_whatever_case
Revises: 0017_task_kinds
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_unique_whatever_case"
down_revision = "0017_task_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_org_units_code_lower", "org_units", [sa.text("lower(code)")], unique=True)
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index("uq_campaigns_year_process_owner_any", "campaigns",
                    ["year", "process_key", sa.text("coalesce(owner_unit_id, 0)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_campaigns_year_process_owner_any", "campaigns")
    op.drop_index("uq_users_username_lower", "users")
    op.drop_index("uq_org_units_code_lower", "org_units")
