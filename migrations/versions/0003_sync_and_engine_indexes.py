"""Indexes for pulls and for the engine's daily facility capacity

A pull reads its engineer's scope and the global scope after a log position:
(scope_user_id, txid, id) serves both as ranges, where the index on
scope_user_id alone left PostgreSQL scanning the whole change log to answer
"is there anything more?". The engine sums today's decided lines per
facility for every task: decided_at needs an index. See docs/BENCHMARKS.md.

Revision ID: 0003_sync_and_engine_indexes
Revises: 0002_pickups_plans_outbox
Create Date: 2026-11-25 14:26:42.143478

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003_sync_and_engine_indexes'
down_revision = '0002_pickups_plans_outbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        # The new index starts with scope_user_id, so it serves whatever the old one did.
        batch_op.drop_index(batch_op.f('ix_change_log_scope_user_id'))
        batch_op.create_index('ix_change_log_scope_position', ['scope_user_id', 'txid', 'id'], unique=False)

    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_lines_decided_at'), ['decided_at'], unique=False)


def downgrade():
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_lines_decided_at'))

    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_scope_position')
        batch_op.create_index(batch_op.f('ix_change_log_scope_user_id'), ['scope_user_id'], unique=False)
