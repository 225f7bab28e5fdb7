"""campaign set-up: settings the office edits, the window's opening, the applicant's fields

Campaigns gain the process version new applications start on, the scoring rules
(trimming and rounding), the readiness check's minimum of scorers after recusal,
the units that may apply, who opened the window and when, and the campaign they
were copied from. The per-unit limit becomes optional (the seed sets none).
Campaigns that already exist were in use: their window counts as opened when
they were created. Applications gain the applicant (collective or individual),
a contact person and phone, the signing leader and the withdrawal time.

Revision ID: 0011_campaign_setup
Revises: 0010_org_accounts
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_campaign_setup"
down_revision = "0010_org_accounts"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Batch: SQLite cannot add a foreign key or drop NOT NULL in place, so it copies the table.
    with op.batch_alter_table("campaigns") as batch:
        batch.alter_column("max_applications_per_unit", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("process_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("scoring_rules", JSON, nullable=True))
        batch.add_column(sa.Column("min_eligible_scorers", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("applicant_unit_ids", JSON, nullable=True))
        batch.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("opened_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("copied_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_campaigns_opened_by_users", "users", ["opened_by"], ["id"])
        batch.create_foreign_key("fk_campaigns_copied_from_id_campaigns", "campaigns", ["copied_from_id"], ["id"])
    op.execute("UPDATE campaigns SET opened_at = created_at")
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("applicant_type", sa.String(20), nullable=True))
        batch.add_column(sa.Column("applicant_name", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("contact_person", sa.String(50), nullable=False, server_default=""))
        batch.add_column(sa.Column("contact_phone", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("signed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_applications_signed_by_users", "users", ["signed_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint("fk_applications_signed_by_users", type_="foreignkey")
        for column in ("withdrawn_at", "signed_by", "contact_phone", "contact_person", "applicant_name",
                       "applicant_type"):
            batch.drop_column(column)
    op.execute("UPDATE campaigns SET max_applications_per_unit = 3 WHERE max_applications_per_unit IS NULL")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_constraint("fk_campaigns_copied_from_id_campaigns", type_="foreignkey")
        batch.drop_constraint("fk_campaigns_opened_by_users", type_="foreignkey")
        for column in ("copied_from_id", "opened_by", "opened_at", "applicant_unit_ids", "min_eligible_scorers",
                       "scoring_rules", "process_version"):
            batch.drop_column(column)
        batch.alter_column("max_applications_per_unit", existing_type=sa.Integer(), nullable=False)
