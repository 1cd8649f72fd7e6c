"""A pickup's requested day, and the runs that plan a day in the background

A day the customer or a dispatcher asked for is kept on the pickup
(requested_date), so that re-planning another day never takes it back.
plan_runs records each request to plan a day from queued to done;
in_flight_date is unique, so at most one run per day is queued or running.

Revision ID: 0007_planning
Revises: 0006_accounts
Create Date: 2026-12-01 09:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_planning'
down_revision = '0006_accounts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pickups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_date', sa.Date(), nullable=True))

    op.create_table('plan_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_date', sa.Date(), nullable=False),
    sa.Column('in_flight_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('again', sa.Boolean(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['courier_plans.id'], name=op.f('fk_plan_runs_plan_id_courier_plans')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_plan_runs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_runs')),
    sa.UniqueConstraint('in_flight_date', name=op.f('uq_plan_runs_in_flight_date'))
    )
    with op.batch_alter_table('plan_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_runs_plan_date'), ['plan_date'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_runs_plan_date'))

    op.drop_table('plan_runs')
    with op.batch_alter_table('pickups', schema=None) as batch_op:
        batch_op.drop_column('requested_date')
