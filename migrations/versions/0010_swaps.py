"""Linked swaps and leak control

replacements holds each swap's link, written by the install that names its
removal (protocol v2 `replaces`) and tied to the removal's return line once
that exists. Return lines gain what leak control and chasing record: the
reason a part was not returned, the escalation step reached and when, and the
value written off.

Revision ID: 0010_swaps
Revises: 0009_stock
Create Date: 2026-12-01 12:20:00.333463

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_swaps'
down_revision = '0009_stock'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('replacements',
    sa.Column('install_event_id', sa.Uuid(), nullable=False),
    sa.Column('removal_event_id', sa.Uuid(), nullable=False),
    sa.Column('return_line_id', sa.Uuid(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('part_number_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=True),
    sa.Column('serialised_item_id', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=20), nullable=True),
    sa.Column('installed_by_id', sa.Integer(), nullable=False),
    sa.Column('installed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installed_by_id'], ['users.id'], name=op.f('fk_replacements_installed_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_replacements_job_id_jobs')),
    sa.ForeignKeyConstraint(['part_number_id'], ['part_numbers.id'], name=op.f('fk_replacements_part_number_id_part_numbers')),
    sa.ForeignKeyConstraint(['return_line_id'], ['return_lines.id'], name=op.f('fk_replacements_return_line_id_return_lines')),
    sa.ForeignKeyConstraint(['serialised_item_id'], ['serialised_items.id'], name=op.f('fk_replacements_serialised_item_id_serialised_items')),
    sa.PrimaryKeyConstraint('install_event_id', name=op.f('pk_replacements')),
    sa.UniqueConstraint('removal_event_id', name=op.f('uq_replacements_removal_event_id')),
    sa.UniqueConstraint('return_line_id', name=op.f('uq_replacements_return_line_id'))
    )
    with op.batch_alter_table('replacements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replacements_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replacements_serialised_item_id'), ['serialised_item_id'], unique=False)

    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_returned_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('escalation_step', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('written_off_value', sa.Numeric(precision=12, scale=2), nullable=True))



def downgrade():
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_column('written_off_value')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalation_step')
        batch_op.drop_column('not_returned_reason')

    with op.batch_alter_table('replacements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replacements_serialised_item_id'))
        batch_op.drop_index(batch_op.f('ix_replacements_job_id'))

    op.drop_table('replacements')
