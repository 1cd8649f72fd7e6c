"""Initial schema: accounts, sites, catalogue, jobs, field events, return lines, sync log, tasks.

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-25 13:34:31.759919

"""
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('background_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_tasks')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_background_tasks_dedupe_key'))
    )
    with op.batch_alter_table('background_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_background_tasks_due', ['status', 'run_after'], unique=False)

    op.create_table('change_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('nonce', sa.Integer(), nullable=False),
    sa.Column('entity', sa.Enum('facility', 'part', 'site', 'job', 'return_line', name='syncentity', native_enum=False, length=32), nullable=False),
    sa.Column('entity_key', sa.String(length=64), nullable=False),
    sa.Column('op', sa.Enum('upsert', 'delete', name='changeop', native_enum=False, length=32), nullable=False),
    sa.Column('scope_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_change_log_position', ['txid', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_log_scope_user_id'), ['scope_user_id'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=True),
    sa.Column('webhook_secret', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('name', name=op.f('uq_customers_name'))
    )
    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.Enum('depot', 'refurbishment_centre', 'recycler', name='facilitykind', native_enum=False, length=32), nullable=False),
    sa.Column('capabilities', sa.JSON(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.Column('daily_capacity_items', sa.Integer(), nullable=False),
    sa.Column('processing_costs', sa.JSON(), nullable=False),
    sa.Column('fed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['fed_by_id'], ['facilities.id'], name=op.f('fk_facilities_fed_by_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities')),
    sa.UniqueConstraint('code', name=op.f('uq_facilities_code'))
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_remote_addr'), ['remote_addr'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_username'), ['username'], unique=False)

    op.create_table('part_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_number', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('vendor', sa.String(length=80), nullable=False),
    sa.Column('serialised', sa.Boolean(), nullable=False),
    sa.Column('serial_pattern', sa.String(length=120), nullable=True),
    sa.Column('new_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('refurbishment_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('refurbishment_yield', sa.Double(), nullable=False),
    sa.Column('residual_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('weight_kg', sa.Double(), nullable=False),
    sa.Column('volume_l', sa.Double(), nullable=False),
    sa.Column('hazardous', sa.Boolean(), nullable=False),
    sa.Column('vendor_warranty_days', sa.Integer(), nullable=False),
    sa.Column('refurbished_stock', sa.Integer(), nullable=False),
    sa.Column('refurbished_stock_target', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_numbers')),
    sa.UniqueConstraint('part_number', name=op.f('uq_part_numbers_part_number'))
    )
    with op.batch_alter_table('part_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_part_numbers_category'), ['category'], unique=False)

    op.create_table('server_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.Uuid(), nullable=False),
    sa.Column('pruned_through_txid', sa.BigInteger(), nullable=False),
    sa.Column('pruned_through_id', sa.BigInteger(), nullable=False),
    sa.Column('epoch_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_server_state'))
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=20), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.Column('access_hours', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_sites_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_customer_id'), ['customer_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('role', sa.Enum('engineer', 'dispatcher', 'admin', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('home_facility_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['home_facility_id'], ['facilities.id'], name=op.f('fk_users_home_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_uid', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('highest_contiguous_seq', sa.BigInteger(), nullable=False),
    sa.Column('highest_seq_seen', sa.BigInteger(), nullable=False),
    sa.Column('missing_seq_ranges', sa.JSON(), nullable=False),
    sa.Column('gap_since', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_devices_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('device_uid', name=op.f('uq_devices_device_uid'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_user_id'), ['user_id'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'completed', 'cancelled', name='jobstatus', native_enum=False, length=32), nullable=False),
    sa.Column('expected_parts', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('customer_signoff_name', sa.String(length=120), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_jobs_engineer_id_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_jobs_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('reference', name=op.f('uq_jobs_reference'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_engineer_id'), ['engineer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)

    op.create_table('serialised_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_number_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('installed', 'removed', 'in_stock', 'disposed', name='itemstatus', native_enum=False, length=32), nullable=False),
    sa.Column('location_kind', sa.Enum('site', 'engineer', 'courier', 'facility', name='holderkind', native_enum=False, length=32), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['part_number_id'], ['part_numbers.id'], name=op.f('fk_serialised_items_part_number_id_part_numbers')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_serialised_items_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_serialised_items')),
    sa.UniqueConstraint('part_number_id', 'serial', name=op.f('uq_serialised_items_part_number_id_serial'))
    )
    with op.batch_alter_table('serialised_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_serialised_items_serial'), ['serial'], unique=False)
        batch_op.create_index(batch_op.f('ix_serialised_items_site_id'), ['site_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_api_tokens_device_id_devices')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_api_tokens_token_digest'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('field_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('accepted', 'duplicate', 'rejected', name='eventoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('device_clock_offset_s', sa.Integer(), nullable=True),
    sa.Column('return_line_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_field_events_device_id_devices')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_field_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_events')),
    sa.UniqueConstraint('device_id', 'seq', name=op.f('uq_field_events_device_id_seq'))
    )
    with op.batch_alter_table('field_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_events_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_events_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_events_user_id'), ['user_id'], unique=False)

    op.create_table('job_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unassigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_job_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_job_assignments_engineer_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_assignments_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_assignments'))
    )
    with op.batch_alter_table('job_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_assignments_engineer_id'), ['engineer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_assignments_job_id'), ['job_id'], unique=False)

    op.create_table('return_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('part_number_id', sa.Integer(), nullable=False),
    sa.Column('serialised_item_id', sa.Integer(), nullable=True),
    sa.Column('serial', sa.String(length=64), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=40), nullable=False),
    sa.Column('condition', sa.Enum('working', 'faulty', 'damaged', 'dead_on_arrival', 'unknown', name='partcondition', native_enum=False, length=32), nullable=False),
    sa.Column('failure_code', sa.String(length=40), nullable=True),
    sa.Column('origin_site_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('awaiting_disposition', 'awaiting_pickup', 'pickup_scheduled', 'with_engineer', 'in_transit', 'delivered', 'received', 'processed', 'written_off', name='returnstatus', native_enum=False, length=32), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('holder_kind', sa.Enum('site', 'engineer', 'courier', 'facility', name='holderkind', native_enum=False, length=32), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('disposition', sa.Enum('refurbish', 'reuse', 'return_to_vendor', 'recycle', 'scrap', name='disposition', native_enum=False, length=32), nullable=True),
    sa.Column('disposition_reason', sa.Text(), nullable=True),
    sa.Column('expected_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('disposition_overridden_by_id', sa.Integer(), nullable=True),
    sa.Column('disposition_overridden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('override_comment', sa.Text(), nullable=True),
    sa.Column('destination_facility_id', sa.Integer(), nullable=True),
    sa.Column('travel_mode', sa.Enum('carry_back', 'courier_pickup', name='travelmode', native_enum=False, length=32), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_condition', sa.Enum('working', 'faulty', 'damaged', 'dead_on_arrival', 'unknown', name='partcondition', native_enum=False, length=32), nullable=True),
    sa.Column('recovered_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['destination_facility_id'], ['facilities.id'], name=op.f('fk_return_lines_destination_facility_id_facilities')),
    sa.ForeignKeyConstraint(['disposition_overridden_by_id'], ['users.id'], name=op.f('fk_return_lines_disposition_overridden_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_return_lines_job_id_jobs')),
    sa.ForeignKeyConstraint(['origin_site_id'], ['sites.id'], name=op.f('fk_return_lines_origin_site_id_sites')),
    sa.ForeignKeyConstraint(['part_number_id'], ['part_numbers.id'], name=op.f('fk_return_lines_part_number_id_part_numbers')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_return_lines_removed_by_id_users')),
    sa.ForeignKeyConstraint(['serialised_item_id'], ['serialised_items.id'], name=op.f('fk_return_lines_serialised_item_id_serialised_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_lines'))
    )
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_lines_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_origin_site_id'), ['origin_site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_part_number_id'), ['part_number_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_removed_by_id'), ['removed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_serial'), ['serial'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_serialised_item_id'), ['serialised_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_status'), ['status'], unique=False)

    op.create_table('custody_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_line_id', sa.Uuid(), nullable=False),
    sa.Column('serialised_item_id', sa.Integer(), nullable=True),
    sa.Column('holder_kind', sa.Enum('site', 'engineer', 'courier', 'facility', name='holderkind', native_enum=False, length=32), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_custody_log_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['return_line_id'], ['return_lines.id'], name=op.f('fk_custody_log_return_line_id_return_lines')),
    sa.ForeignKeyConstraint(['serialised_item_id'], ['serialised_items.id'], name=op.f('fk_custody_log_serialised_item_id_serialised_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_log'))
    )
    with op.batch_alter_table('custody_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_log_return_line_id'), ['return_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_log_serialised_item_id'), ['serialised_item_id'], unique=False)


    server_state = sa.table(
        "server_state",
        sa.column("id", sa.Integer), sa.column("epoch", sa.Uuid), sa.column("pruned_through_txid", sa.BigInteger),
        sa.column("pruned_through_id", sa.BigInteger), sa.column("epoch_started_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(server_state, [{"id": 1, "epoch": uuid.uuid4(), "pruned_through_txid": 0, "pruned_through_id": 0,
                                   "epoch_started_at": datetime.now(timezone.utc)}])

def downgrade():
    with op.batch_alter_table('custody_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_log_serialised_item_id'))
        batch_op.drop_index(batch_op.f('ix_custody_log_return_line_id'))

    op.drop_table('custody_log')
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_lines_status'))
        batch_op.drop_index(batch_op.f('ix_return_lines_serialised_item_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_serial'))
        batch_op.drop_index(batch_op.f('ix_return_lines_removed_by_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_part_number_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_origin_site_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_job_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_holder_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_created_at'))

    op.drop_table('return_lines')
    with op.batch_alter_table('job_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_assignments_job_id'))
        batch_op.drop_index(batch_op.f('ix_job_assignments_engineer_id'))

    op.drop_table('job_assignments')
    with op.batch_alter_table('field_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_field_events_received_at'))
        batch_op.drop_index(batch_op.f('ix_field_events_job_id'))

    op.drop_table('field_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_tokens_device_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('serialised_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_serialised_items_site_id'))
        batch_op.drop_index(batch_op.f('ix_serialised_items_serial'))

    op.drop_table('serialised_items')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_jobs_site_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_engineer_id'))

    op.drop_table('jobs')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_user_id'))

    op.drop_table('devices')
    op.drop_table('users')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_customer_id'))

    op.drop_table('sites')
    op.drop_table('server_state')
    with op.batch_alter_table('part_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_part_numbers_category'))

    op.drop_table('part_numbers')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_username'))
        batch_op.drop_index(batch_op.f('ix_login_failures_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))

    op.drop_table('login_failures')
    op.drop_table('facilities')
    op.drop_table('customers')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_log_scope_user_id'))
        batch_op.drop_index('ix_change_log_position')
        batch_op.drop_index(batch_op.f('ix_change_log_created_at'))

    op.drop_table('change_log')
    with op.batch_alter_table('background_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_background_tasks_due')

    op.drop_table('background_tasks')
