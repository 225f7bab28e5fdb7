"""instance state compressed with lz4 instead of pglz (PostgreSQL)

Every task completion rewrites the instance's serialized state (about 27 KB
for an appraisal with seven scorers), which PostgreSQL compresses before it
stores it out of line. With its default pglz that compression is the larger
part of the UPDATE's server time; lz4 does it about three times faster and
reads back as fast (bench/README.md, fourth round). Values already stored keep
their compression until they are next written. A server built without lz4
keeps pglz: the change is skipped, not failed.

Revision ID: 0006_state_lz4
Revises: 0005_inbox_pool_index_id
"""
from alembic import op

revision = "0006_state_lz4"
down_revision = "0005_inbox_pool_index_id"
branch_labels = None
depends_on = None


def _set_compression(method: str) -> None:
    dialect = op.get_bind().dialect
    if dialect.name != "postgresql" or dialect.server_version_info < (14,):
        return  # SQLite does not compress; PostgreSQL before 14 has only pglz
    op.execute(f"""
        DO $$ BEGIN
            ALTER TABLE process_instances ALTER COLUMN state SET COMPRESSION {method};
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'compression method {method} is not supported by this server; state keeps its compression';
        END $$""")


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")
