"""audit_log is append-only: the database refuses UPDATE and DELETE

Revision ID: 0002_audit_append_only
Revises: 0001
Create Date: 2026-11-25 17:40:00

The service never edits an audit record (service/workflows/audit.py only adds);
these triggers make that true for anyone connecting to the database, too.
TRUNCATE (a test-suite reset, or dropping the database) is not a row change and
is still possible for the database owner.
"""
from alembic import op

revision = "0002_audit_append_only"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "audit_log is append-only: audit records cannot be changed or deleted"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END $$
        """)
        op.execute("""
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_change()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{event}")
