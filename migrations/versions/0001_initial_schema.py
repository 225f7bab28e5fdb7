"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 17:09:20.256830
"""
from alembic import op
import sqlalchemy as sa
import service.models.types
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('process_key', sa.String(length=80), nullable=False),
    sa.Column('opens_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('criteria', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('grades', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('no_award_grade', sa.String(length=40), nullable=False),
    sa.Column('max_applications_per_unit', sa.Integer(), nullable=False),
    sa.Column('reminders', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('year', 'process_key', name='uq_campaign_year_process')
    )
    op.create_table('org_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['org_units.id'], name=op.f('fk_org_units_parent_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_units')),
    sa.UniqueConstraint('code', name=op.f('uq_org_units_code'))
    )
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_units_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_units_type'), ['type'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_users_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_unit_id'), ['unit_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('supervising_union_id', sa.Integer(), nullable=True),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('proposer', sa.Text(), nullable=False),
    sa.Column('refinement', sa.Text(), nullable=False),
    sa.Column('effects', sa.Text(), nullable=False),
    sa.Column('recognitions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('category', sa.String(length=4), nullable=True),
    sa.Column('conditions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('grade', sa.String(length=40), nullable=True),
    sa.Column('final_score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('calculation', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('recusals', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_applications_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_applications_created_by_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name='fk_applications_instance_id', use_alter=True),
    sa.ForeignKeyConstraint(['supervising_union_id'], ['org_units.id'], name=op.f('fk_applications_supervising_union_id_org_units')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_applications_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_supervising_union_id'), ['supervising_union_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_unit_id'), ['unit_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=60), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_object_id'), ['object_id'], unique=False)

    op.create_table('campaign_scorers',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_scorers_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_campaign_scorers_user_id_users')),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id', name=op.f('pk_campaign_scorers'))
    )
    op.create_table('inbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inbox_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_inbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_messages_user_id'), ['user_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('provider_id', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_outbox_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_outbox_recipient_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_outbox_pending', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_recipient_user_id'), ['recipient_user_id'], unique=False)

    op.create_table('process_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('spec_json', sa.Text(), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('deployed_by', sa.Integer(), nullable=True),
    sa.Column('deployed_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['deployed_by'], ['users.id'], name=op.f('fk_process_definitions_deployed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_definitions')),
    sa.UniqueConstraint('key', 'version', name='uq_definition_key_version')
    )
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_definitions_key'), ['key'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_roles_role'), ['role'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_attachments_application_id_applications')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_attachments_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_application_id'), ['application_id'], unique=False)

    op.create_table('process_instances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('business_key', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('end_event', sa.String(length=120), nullable=True),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('variables', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('started_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'], name=op.f('fk_process_instances_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], name=op.f('fk_process_instances_started_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_instances'))
    )
    if op.get_bind().dialect.name != "sqlite":
        # applications <-> process_instances reference each other; PostgreSQL needs the second key added afterwards.
        op.create_foreign_key("fk_applications_instance_id", "applications", "process_instances", ["instance_id"], ["id"])
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_instances_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instances_definition_id'), ['definition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instances_status'), ['status'], unique=False)

    op.create_table('instance_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('element_id', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('element_type', sa.String(length=60), nullable=False),
    sa.Column('at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_instance_events_actor_id_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_instance_events_instance_id_process_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instance_events'))
    )
    with op.batch_alter_table('instance_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_events_instance_id'), ['instance_id'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engine_task_id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('element_id', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('form_key', sa.String(length=80), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('candidate_user_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('due_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('reminders_sent', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_tasks_application_id_applications')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tasks_assignee_id_users')),
    sa.ForeignKeyConstraint(['candidate_user_id'], ['users.id'], name=op.f('fk_tasks_candidate_user_id_users')),
    sa.ForeignKeyConstraint(['completed_by'], ['users.id'], name=op.f('fk_tasks_completed_by_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_tasks_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_tasks_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('engine_task_id', name=op.f('uq_tasks_engine_task_id'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_candidate_user_id'), ['candidate_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_tasks_open_assignee', ['state', 'assignee_id'], unique=False)
        batch_op.create_index('ix_tasks_open_due', ['state', 'due_at'], unique=False)
        batch_op.create_index('ix_tasks_open_role_unit', ['state', 'role', 'unit_id'], unique=False)

    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('engine_task_id', sa.String(length=36), nullable=False),
    sa.Column('element_id', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_at', service.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('fired_at', service.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_timers_instance_id_process_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timers')),
    sa.UniqueConstraint('engine_task_id', 'due_at', name='uq_timer_task_due')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timers_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_timers_waiting_due', ['state', 'due_at'], unique=False)



def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_applications_instance_id", "applications", type_="foreignkey")
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_waiting_due')
        batch_op.drop_index(batch_op.f('ix_timers_instance_id'))

    op.drop_table('timers')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_role_unit')
        batch_op.drop_index('ix_tasks_open_due')
        batch_op.drop_index('ix_tasks_open_assignee')
        batch_op.drop_index(batch_op.f('ix_tasks_instance_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_candidate_user_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_application_id'))

    op.drop_table('tasks')
    with op.batch_alter_table('instance_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_events_instance_id'))

    op.drop_table('instance_events')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_instances_status'))
        batch_op.drop_index(batch_op.f('ix_process_instances_definition_id'))
        batch_op.drop_index(batch_op.f('ix_process_instances_business_key'))

    op.drop_table('process_instances')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_application_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_roles_role'))

    op.drop_table('user_roles')
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_definitions_key'))

    op.drop_table('process_definitions')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_recipient_user_id'))
        batch_op.drop_index('ix_outbox_pending')
        batch_op.drop_index(batch_op.f('ix_outbox_campaign_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_messages_user_id'))

    op.drop_table('inbox_messages')
    op.drop_table('campaign_scorers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_object_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))

    op.drop_table('audit_log')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_unit_id'))
        batch_op.drop_index(batch_op.f('ix_applications_supervising_union_id'))
        batch_op.drop_index(batch_op.f('ix_applications_status'))
        batch_op.drop_index(batch_op.f('ix_applications_stage'))
        batch_op.drop_index(batch_op.f('ix_applications_instance_id'))
        batch_op.drop_index(batch_op.f('ix_applications_campaign_id'))

    op.drop_table('applications')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_unit_id'))

    op.drop_table('users')
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_units_type'))
        batch_op.drop_index(batch_op.f('ix_org_units_parent_id'))

    op.drop_table('org_units')
    op.drop_table('campaigns')
