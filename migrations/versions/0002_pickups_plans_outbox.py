"""Pickups, courier plans, notification outbox, disposition records

Revision ID: 0002_pickups_plans_outbox
Revises: 0001_initial
Create Date: 2026-11-25 13:47:37.562200

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002_pickups_plans_outbox'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=False),
    sa.Column('capacity_weight_kg', sa.Double(), nullable=False),
    sa.Column('capacity_volume_l', sa.Double(), nullable=False),
    sa.Column('shift_start', sa.Time(), nullable=False),
    sa.Column('shift_end', sa.Time(), nullable=False),
    sa.Column('cost_per_km', sa.Double(), nullable=False),
    sa.Column('fixed_cost', sa.Double(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['depot_id'], ['facilities.id'], name=op.f('fk_vehicles_depot_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicles')),
    sa.UniqueConstraint('name', name=op.f('uq_vehicles_name'))
    )
    op.create_table('courier_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_date', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('total_distance_km', sa.Double(), nullable=False),
    sa.Column('naive_distance_km', sa.Double(), nullable=False),
    sa.Column('total_cost', sa.Double(), nullable=False),
    sa.Column('pickups_due', sa.Integer(), nullable=False),
    sa.Column('pickups_skipped', sa.Integer(), nullable=False),
    sa.Column('solver_seconds', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_courier_plans_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier_plans'))
    )
    with op.batch_alter_table('courier_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courier_plans_plan_date'), ['plan_date'], unique=False)

    op.create_table('pickups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'scheduled', 'collected', 'cancelled', name='pickupstatus', native_enum=False, length=32), nullable=False),
    sa.Column('not_before', sa.Date(), nullable=True),
    sa.Column('planned_date', sa.Date(), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('customer_answer', sa.Enum('confirmed', 'not_ready', 'another_day', name='customeranswer', native_enum=False, length=32), nullable=True),
    sa.Column('customer_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('calendar_sequence', sa.Integer(), nullable=False),
    sa.Column('reminded_for', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_pickups_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickups'))
    )
    with op.batch_alter_table('pickups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pickups_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pickups_status'), ['status'], unique=False)

    op.create_table('courier_routes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('distance_km', sa.Double(), nullable=False),
    sa.Column('duration_min', sa.Double(), nullable=False),
    sa.Column('load_weight_kg', sa.Double(), nullable=False),
    sa.Column('load_volume_l', sa.Double(), nullable=False),
    sa.Column('cost', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['courier_plans.id'], name=op.f('fk_courier_routes_plan_id_courier_plans')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_courier_routes_vehicle_id_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier_routes'))
    )
    with op.batch_alter_table('courier_routes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courier_routes_plan_id'), ['plan_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('pickup_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pickup_id'], ['pickups.id'], name=op.f('fk_notifications_pickup_id_pickups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notifications_idempotency_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_pickup_id'), ['pickup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_status'), ['status'], unique=False)

    op.create_table('courier_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('pickup_id', sa.Integer(), nullable=False),
    sa.Column('arrival_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('departure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_weight_kg_after', sa.Double(), nullable=False),
    sa.Column('load_volume_l_after', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['pickup_id'], ['pickups.id'], name=op.f('fk_courier_stops_pickup_id_pickups')),
    sa.ForeignKeyConstraint(['route_id'], ['courier_routes.id'], name=op.f('fk_courier_stops_route_id_courier_routes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier_stops'))
    )
    with op.batch_alter_table('courier_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courier_stops_pickup_id'), ['pickup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courier_stops_route_id'), ['route_id'], unique=False)

    op.create_table('disposition_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_line_id', sa.Uuid(), nullable=False),
    sa.Column('disposition', sa.Enum('refurbish', 'reuse', 'return_to_vendor', 'recycle', 'scrap', name='disposition', native_enum=False, length=32), nullable=True),
    sa.Column('destination_facility_id', sa.Integer(), nullable=True),
    sa.Column('travel_mode', sa.Enum('carry_back', 'courier_pickup', name='travelmode', native_enum=False, length=32), nullable=True),
    sa.Column('expected_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_disposition_records_decided_by_id_users')),
    sa.ForeignKeyConstraint(['destination_facility_id'], ['facilities.id'], name=op.f('fk_disposition_records_destination_facility_id_facilities')),
    sa.ForeignKeyConstraint(['return_line_id'], ['return_lines.id'], name=op.f('fk_disposition_records_return_line_id_return_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposition_records'))
    )
    with op.batch_alter_table('disposition_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposition_records_return_line_id'), ['return_line_id'], unique=False)

    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alternatives', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pickup_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('overdue_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('chased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_return_lines_overdue_since'), ['overdue_since'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_pickup_id'), ['pickup_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_return_lines_pickup_id_pickups'), 'pickups', ['pickup_id'], ['id'])



def downgrade():
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_return_lines_pickup_id_pickups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_return_lines_pickup_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_overdue_since'))
        batch_op.drop_column('chased_at')
        batch_op.drop_column('overdue_since')
        batch_op.drop_column('pickup_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('alternatives')

    with op.batch_alter_table('disposition_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposition_records_return_line_id'))

    op.drop_table('disposition_records')
    with op.batch_alter_table('courier_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courier_stops_route_id'))
        batch_op.drop_index(batch_op.f('ix_courier_stops_pickup_id'))

    op.drop_table('courier_stops')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_status'))
        batch_op.drop_index(batch_op.f('ix_notifications_pickup_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_kind'))

    op.drop_table('notifications')
    with op.batch_alter_table('courier_routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courier_routes_plan_id'))

    op.drop_table('courier_routes')
    with op.batch_alter_table('pickups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pickups_status'))
        batch_op.drop_index(batch_op.f('ix_pickups_site_id'))

    op.drop_table('pickups')
    with op.batch_alter_table('courier_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courier_plans_plan_date'))

    op.drop_table('courier_plans')
    op.drop_table('vehicles')
