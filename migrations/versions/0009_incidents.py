"""incidents: an element that failed while its instance ran, indexed for the office's lists

A handler or expression that fails no longer refuses the step that reached it
(the person who completed a task did nothing wrong): the instance waits at the
failed element and a row here says what failed, with what, when, and whether
the office's retry resolved it. Indexed by (state, failed_at) for the
dashboard and the API, and by (instance_id, state) for an instance's page.

Revision ID: 0009_incidents
Revises: 0008_audit_chain
Create Date: 2026-11-29 18:00:00
"""
from alembic import op
import sqlalchemy as sa
import service.models.types
from sqlalchemy.dialects import postgresql

revision = '0009_incidents'
down_revision = '0008_audit_chain'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('engine_task_id', sa.String(length=36), nullable=False),
    sa.Column('element_id', sa.String(length=120), nullable=False),
    sa.Column('element_name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('failed_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('caused_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_incidents_application_id_applications')),
    sa.ForeignKeyConstraint(['caused_by'], ['users.id'], name=op.f('fk_incidents_caused_by_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_incidents_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_incidents_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_incidents_instance_state', ['instance_id', 'state'], unique=False)
        batch_op.create_index('ix_incidents_state_failed', ['state', 'failed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_state_failed')
        batch_op.drop_index('ix_incidents_instance_state')
        batch_op.drop_index(batch_op.f('ix_incidents_application_id'))

    op.drop_table('incidents')
