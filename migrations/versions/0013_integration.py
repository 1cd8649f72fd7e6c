"""Integration accounts and their API keys

integrations: another system (its user, of role integration, is whom its changes
are by; its source names the records it sends). integration_keys: its API keys,
stored as SHA-256 digests, with the per-key rate limit's current window.

Revision ID: 0013_integration
Revises: 0012_deliveries
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_integration'
down_revision = '0012_deliveries'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'integrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('webhook_url', sa.String(length=500), nullable=True),
        sa.Column('webhook_secret', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('disabled_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_integrations_created_by_id_users')),
        sa.ForeignKeyConstraint(['disabled_by_id'], ['users.id'], name=op.f('fk_integrations_disabled_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_integrations_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_integrations')),
        sa.UniqueConstraint('name', name=op.f('uq_integrations_name')),
        sa.UniqueConstraint('source', name=op.f('uq_integrations_source')),
        sa.UniqueConstraint('user_id', name=op.f('uq_integrations_user_id')),
    )
    op.create_table(
        'integration_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('integration_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('key_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rate_window_start', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rate_window_requests', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_integration_keys_created_by_id_users')),
        sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'],
                                name=op.f('fk_integration_keys_integration_id_integrations')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_integration_keys_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_keys')),
        sa.UniqueConstraint('key_digest', name=op.f('uq_integration_keys_key_digest')),
        sa.UniqueConstraint('prefix', name=op.f('uq_integration_keys_prefix')),
    )
    with op.batch_alter_table('integration_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_keys_integration_id'), ['integration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('integration_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_keys_integration_id'))
    op.drop_table('integration_keys')
    op.drop_table('integrations')
