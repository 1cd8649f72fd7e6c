"""The stock ledger, reservations, deliveries and processing records

stock_locations and the append-only stock_movements hold stock by location,
part and grade (balances are sums, never counters); stock_targets the ready
units a facility should hold; reservations and deliveries the replacements set
aside and sent for jobs; processing_records what a facility did with an item.
Part numbers gain bench hours and a grade policy, facilities bench capacity.

Revision ID: 0009_stock
Revises: 0008_waste
Create Date: 2026-12-01 12:05:59.460325

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_stock'
down_revision = '0008_waste'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stock_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('facility', 'van', 'site', name='stocklocationkind', native_enum=False, length=32), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_locations')),
    sa.UniqueConstraint('code', name=op.f('uq_stock_locations_code')),
    sa.UniqueConstraint('kind', 'ref_id', name=op.f('uq_stock_locations_kind_ref_id'))
    )
    op.create_table('stock_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('part_number_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_stock_targets_facility_id_facilities')),
    sa.ForeignKeyConstraint(['part_number_id'], ['part_numbers.id'], name=op.f('fk_stock_targets_part_number_id_part_numbers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_targets')),
    sa.UniqueConstraint('facility_id', 'part_number_id', name=op.f('uq_stock_targets_facility_id_part_number_id'))
    )
    with op.batch_alter_table('stock_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_targets_part_number_id'), ['part_number_id'], unique=False)

    op.create_table('reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('expected_index', sa.Integer(), nullable=False),
    sa.Column('part_number_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('held', 'short', 'consumed', 'released', name='reservationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('grade', sa.Enum('new', 'refurbished', 'faulty', 'scrap', name='stockgrade', native_enum=False, length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('needed_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_reservations_job_id_jobs')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_reservations_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_number_id'], ['part_numbers.id'], name=op.f('fk_reservations_part_number_id_part_numbers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_job_expected', ['job_id', 'expected_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_part_number_id'), ['part_number_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_status'), ['status'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('part_number_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('new', 'refurbished', 'faulty', 'scrap', name='stockgrade', native_enum=False, length=32), nullable=False),
    sa.Column('mode', sa.Enum('depot_collection', 'courier_to_site', name='deliverymode', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('planned', 'dispatched', 'at_depot', 'delivered', 'cancelled', name='deliverystatus', native_enum=False, length=32), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=False),
    sa.Column('to_location_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('planned_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['from_location_id'], ['stock_locations.id'], name=op.f('fk_deliveries_from_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_number_id'], ['part_numbers.id'], name=op.f('fk_deliveries_part_number_id_part_numbers')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_deliveries_reservation_id_reservations')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_deliveries_site_id_sites')),
    sa.ForeignKeyConstraint(['to_location_id'], ['stock_locations.id'], name=op.f('fk_deliveries_to_location_id_stock_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_reservation_id'), ['reservation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_to_location_id'), ['to_location_id'], unique=False)

    op.create_table('processing_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_line_id', sa.Uuid(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('refurbished', 'restocked', 'credited', 'recycled', 'scrapped', 'refurbish_failed', name='processingoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('hours', sa.Double(), nullable=True),
    sa.Column('parts_used', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('weight_kg', sa.Double(), nullable=True),
    sa.Column('certificate_number', sa.String(length=80), nullable=True),
    sa.Column('rma_number', sa.String(length=80), nullable=True),
    sa.Column('credit', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('recovered_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_processing_records_facility_id_facilities')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_processing_records_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['return_line_id'], ['return_lines.id'], name=op.f('fk_processing_records_return_line_id_return_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_records'))
    )
    with op.batch_alter_table('processing_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processing_records_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_records_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_records_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_records_return_line_id'), ['return_line_id'], unique=False)

    op.create_table('stock_movements',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('receipt', 'processing', 'install', 'delivery', 'transfer', 'stocktake', 'supply', name='movementkind', native_enum=False, length=32), nullable=False),
    sa.Column('part_number_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('from_grade', sa.Enum('new', 'refurbished', 'faulty', 'scrap', name='stockgrade', native_enum=False, length=32), nullable=True),
    sa.Column('to_location_id', sa.Integer(), nullable=True),
    sa.Column('to_grade', sa.Enum('new', 'refurbished', 'faulty', 'scrap', name='stockgrade', native_enum=False, length=32), nullable=True),
    sa.Column('serial', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('return_line_id', sa.Uuid(), nullable=True),
    sa.Column('event_id', sa.Uuid(), nullable=True),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('processing_record_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('left_negative', sa.Boolean(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_movements_ck_stock_movements_quantity_positive')),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_stock_movements_delivery_id_deliveries')),
    sa.ForeignKeyConstraint(['from_location_id'], ['stock_locations.id'], name=op.f('fk_stock_movements_from_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_number_id'], ['part_numbers.id'], name=op.f('fk_stock_movements_part_number_id_part_numbers')),
    sa.ForeignKeyConstraint(['processing_record_id'], ['processing_records.id'], name=op.f('fk_stock_movements_processing_record_id_processing_records')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_stock_movements_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_stock_movements_reservation_id_reservations')),
    sa.ForeignKeyConstraint(['return_line_id'], ['return_lines.id'], name=op.f('fk_stock_movements_return_line_id_return_lines')),
    sa.ForeignKeyConstraint(['to_location_id'], ['stock_locations.id'], name=op.f('fk_stock_movements_to_location_id_stock_locations')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_stock_movements')),
    sa.UniqueConstraint('id', name=op.f('uq_stock_movements_id'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_from_location_id'), ['from_location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_part_number_id'), ['part_number_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_return_line_id'), ['return_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_to_location_id'), ['to_location_id'], unique=False)

    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bench_hours_per_weekday', sa.Double(), server_default='0', nullable=False))

    with op.batch_alter_table('part_numbers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refurbishment_hours', sa.Double(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('grade_policy', sa.Enum('refurbished_first', 'new_only', name='gradepolicy', native_enum=False, length=32), server_default='refurbished_first', nullable=False))



def downgrade():
    with op.batch_alter_table('part_numbers', schema=None) as batch_op:
        batch_op.drop_column('grade_policy')
        batch_op.drop_column('refurbishment_hours')

    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_column('bench_hours_per_weekday')

    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movements_to_location_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_return_line_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_part_number_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_kind'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_from_location_id'))

    op.drop_table('stock_movements')
    with op.batch_alter_table('processing_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processing_records_return_line_id'))
        batch_op.drop_index(batch_op.f('ix_processing_records_outcome'))
        batch_op.drop_index(batch_op.f('ix_processing_records_facility_id'))
        batch_op.drop_index(batch_op.f('ix_processing_records_at'))

    op.drop_table('processing_records')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_to_location_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_status'))
        batch_op.drop_index(batch_op.f('ix_deliveries_site_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_reservation_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_deadline'))

    op.drop_table('deliveries')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_status'))
        batch_op.drop_index(batch_op.f('ix_reservations_part_number_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_location_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_job_id'))
        batch_op.drop_index('ix_reservations_job_expected')

    op.drop_table('reservations')
    with op.batch_alter_table('stock_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_targets_part_number_id'))

    op.drop_table('stock_targets')
    op.drop_table('stock_locations')
