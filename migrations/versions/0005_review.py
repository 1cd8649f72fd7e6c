"""The review queue: accepted field events held for a dispatcher

Revision ID: 0005_review
Revises: 0004_devices
Create Date: 2026-12-01 09:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005_review'
down_revision = '0004_devices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('removal_elsewhere', 'install_elsewhere', 'completion_after_reassignment', name='reviewkind', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='reviewstatus', native_enum=False, length=32), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('return_line_id', sa.Uuid(), nullable=True),
    sa.Column('serialised_item_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.Enum('move_serial', 'void_line', 'complete_job', 'dismiss', name='reviewaction', native_enum=False, length=32), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_review_items_engineer_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_review_items_job_id_jobs')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_review_items_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['return_line_id'], ['return_lines.id'], name=op.f('fk_review_items_return_line_id_return_lines')),
    sa.ForeignKeyConstraint(['serialised_item_id'], ['serialised_items.id'], name=op.f('fk_review_items_serialised_item_id_serialised_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_engineer_id'), ['engineer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_return_line_id'), ['return_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_serialised_item_id'), ['serialised_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_status'))
        batch_op.drop_index(batch_op.f('ix_review_items_serialised_item_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_return_line_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_kind'))
        batch_op.drop_index(batch_op.f('ix_review_items_job_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_event_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_engineer_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_created_at'))

    op.drop_table('review_items')
