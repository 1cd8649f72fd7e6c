"""The outbound feed, and webhooks of its events to integrations

feed_events: every fact an integration may want, ordered by (txid, seq) like the
sync change log; feed_state: how far it has been pruned. notifications gain the
integration and the feed event of a feed webhook.

Revision ID: 0015_feed
Revises: 0013_integration
Create Date: 2026-12-01 15:27:35.547892

The integrator chains it after 0014_external_ids; it needs only 0013_integration.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_feed'
down_revision = '0014_external_ids'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feed_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('nonce', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('refs', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_feed_events')),
    sa.UniqueConstraint('id', name=op.f('uq_feed_events_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.create_index('ix_feed_events_position', ['txid', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_events_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_events_type'), ['type'], unique=False)

    op.create_table('feed_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pruned_through_txid', sa.BigInteger(), nullable=False),
    sa.Column('pruned_through_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_state'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('integration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('feed_event_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_feed_event_id'), ['feed_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_integration_id'), ['integration_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_integration_id_integrations'), 'integrations', ['integration_id'], ['id'])



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_integration_id_integrations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_integration_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_feed_event_id'))
        batch_op.drop_column('feed_event_id')
        batch_op.drop_column('integration_id')

    op.drop_table('feed_state')
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_events_type'))
        batch_op.drop_index(batch_op.f('ix_feed_events_recorded_at'))
        batch_op.drop_index('ix_feed_events_position')

    op.drop_table('feed_events')
