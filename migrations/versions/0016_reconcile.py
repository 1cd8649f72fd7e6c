"""Reconciliations: a source system's stock balances compared with the ledger

reconciliations: one uploaded balance file (as of a day), the ledger position it
was compared at, and whether it is agreed (the agreed one is where the next
explanation starts); reconciliation_lines: its differences and their explaining
movements.

Revision ID: 0016_reconcile
Revises: 0013_integration
Create Date: 2026-12-01 15:26:08.727700

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_reconcile'
down_revision = '0015_feed'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reconciliations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('as_of_moment', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
    sa.Column('since_id', sa.Integer(), nullable=True),
    sa.Column('since_seq', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('rows_compared', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreed_by_id'], ['users.id'], name=op.f('fk_reconciliations_agreed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reconciliations_created_by_id_users')),
    sa.ForeignKeyConstraint(['since_id'], ['reconciliations.id'], name=op.f('fk_reconciliations_since_id_reconciliations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliations'))
    )
    with op.batch_alter_table('reconciliations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliations_agreed_at'), ['agreed_at'], unique=False)

    op.create_table('reconciliation_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reconciliation_id', sa.Integer(), nullable=False),
    sa.Column('part_number', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=80), nullable=False),
    sa.Column('grade', sa.Enum('new', 'refurbished', 'faulty', 'scrap', name='stockgrade', native_enum=False, length=32), nullable=False),
    sa.Column('source_quantity', sa.Integer(), nullable=False),
    sa.Column('fieldloop_quantity', sa.Integer(), nullable=False),
    sa.Column('difference', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('movement_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['reconciliation_id'], ['reconciliations.id'], name=op.f('fk_reconciliation_lines_reconciliation_id_reconciliations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_lines'))
    )
    with op.batch_alter_table('reconciliation_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_lines_reconciliation_id'), ['reconciliation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reconciliation_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_lines_reconciliation_id'))

    op.drop_table('reconciliation_lines')
    with op.batch_alter_table('reconciliations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliations_agreed_at'))

    op.drop_table('reconciliations')
