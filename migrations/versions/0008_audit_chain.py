"""audit trail: TRUNCATE refused too, and tamper-evident (a keyed MAC per record, sealed into chains)

Revision ID: 0008_audit_chain
Revises: 0007_instance_scope
Create Date: 2026-12-01 10:00:00

Triggers refuse UPDATE and DELETE on audit_log (0002); TRUNCATE was still open
to anyone connected, and nothing at all stopped the database owner. Each record
now carries an HMAC made with AUDIT_KEY, which never enters the database, and
the seal job links records into a chain per campaign in ``audit_seals``
(service/workflows/audit_chain.py says how and why). Records written before
this revision have no MAC; they are given their campaign here and adopted by
the first seal. ``audit_seals`` is append-only like the log.
"""
from alembic import op
import sqlalchemy as sa

import service.models.types

revision = "0008_audit_chain"
down_revision = "0007_instance_scope"
branch_labels = None
depends_on = None

SEALS_MESSAGE = "audit_seals is append-only: seals cannot be changed or deleted"

# Which campaign a record written before this revision belongs to, by what it is about.
BACKFILL = {
    "campaign": "SELECT c.id FROM campaigns c WHERE CAST(c.id AS VARCHAR(60)) = audit_log.object_id",
    "application": "SELECT a.campaign_id FROM applications a WHERE CAST(a.id AS VARCHAR(60)) = audit_log.object_id",
    "process_instance": "SELECT a.campaign_id FROM applications a "
                        "WHERE CAST(a.instance_id AS VARCHAR(60)) = audit_log.object_id",
    "task": "SELECT a.campaign_id FROM tasks t JOIN applications a ON a.id = t.application_id "
            "WHERE CAST(t.id AS VARCHAR(60)) = audit_log.object_id",
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for name, kind in (("campaign_id", sa.Integer()), ("nonce", sa.String(length=32)),
                       ("key_id", sa.String(length=16)), ("mac", sa.String(length=64))):
        op.add_column("audit_log", sa.Column(name, kind, nullable=True))
    _backfill()
    op.create_table(
        "audit_seals",
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chain", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("record_mac", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", service.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["audit_log.id"], name=op.f("fk_audit_seals_record_id_audit_log")),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("chain", "seq", name=op.f("uq_audit_seals_chain")),
        sa.UniqueConstraint("record_mac", name=op.f("uq_audit_seals_record_mac")),
    )
    if _postgres():
        op.execute("""
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
        """)
        op.execute(f"""
            CREATE FUNCTION audit_seals_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{SEALS_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END $$
        """)
        op.execute("""
            CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
            FOR EACH ROW EXECUTE FUNCTION audit_seals_refuse_change()
        """)
        op.execute("""
            CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
            FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_refuse_change()
        """)
    else:  # SQLite has no TRUNCATE (DELETE without WHERE is refused by the delete trigger)
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_seals_no_{event.lower()} BEFORE {event} ON audit_seals
                BEGIN SELECT RAISE(ABORT, '{SEALS_MESSAGE}'); END
            """)


def _backfill() -> None:
    """Give each existing record its campaign, with the append-only trigger set aside for this transaction."""
    if _postgres():
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    for kind, query in BACKFILL.items():
        op.execute(f"UPDATE audit_log SET campaign_id = ({query}) WHERE object_type = '{kind}'")
    if _postgres():
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        op.execute("""
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: audit records cannot be changed or deleted'); END
        """)


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_seals_append_only ON audit_seals")
        op.execute("DROP TRIGGER IF EXISTS audit_seals_no_truncate ON audit_seals")
        op.execute("DROP FUNCTION IF EXISTS audit_seals_refuse_change()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_seals_no_{event}")
    op.drop_table("audit_seals")
    for name in ("mac", "key_id", "nonce", "campaign_id"):
        op.execute(f"ALTER TABLE audit_log DROP COLUMN {name}")
