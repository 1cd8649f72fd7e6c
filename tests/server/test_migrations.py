"""The migrations build the schema from nothing, and it matches the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.database import render_migration_type
from server.extensions import db


def test_migrated_schema_matches_the_models(app_context):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_item": render_migration_type})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_run_from_an_empty_database_to_head_and_back(app_context):
    from flask_migrate import downgrade, upgrade

    downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"field_events", "return_lines", "custody_log", "change_log", "server_state"} <= tables
    assert db.session.execute(sa.text("SELECT count(*) FROM server_state")).scalar() == 1


def test_usernames_colliding_regardless_of_case_are_renamed_with_a_suffix_and_logged(app_context, capfd):
    from flask_migrate import downgrade, upgrade

    downgrade(revision="0006_accounts-1")
    with db.engine.begin() as conn:
        for username in ("eng.amy", "ENG.AMY", "Eng.Amy", "eng.amy-2", "disp.dana"):
            conn.execute(sa.text("INSERT INTO users (username, display_name, role, password_hash, active, created_at) "
                                 "VALUES (:u, :u, 'engineer', 'x', true, CURRENT_TIMESTAMP)"), {"u": username})
    capfd.readouterr()
    upgrade()
    # Alembic's own logging configuration writes to stderr, where an operator running `flask db upgrade` reads it.
    logged = capfd.readouterr().err
    with db.engine.connect() as conn:
        names = conn.execute(sa.text("SELECT username, username_key FROM users ORDER BY id")).all()
    assert [name for name, _ in names] == ["eng.amy", "ENG.AMY-3", "Eng.Amy-4", "eng.amy-2", "disp.dana"]
    assert [key for _, key in names] == ["eng.amy", "eng.amy-3", "eng.amy-4", "eng.amy-2", "disp.dana"]
    renames = [line for line in logged.splitlines() if "is renamed" in line]
    assert len(renames) == 2 and "WARNI" in renames[0] and "'ENG.AMY' is renamed 'ENG.AMY-3'" in renames[0]


def test_the_refurbished_stock_counter_becomes_an_opening_stocktake_and_a_target(app_context):
    from flask_migrate import downgrade, upgrade

    from common.enums import MovementKind, StockGrade
    from server.models import StockMovement, StockTarget
    from server.services.stock.ledger import balance

    downgrade(revision="0009_stock")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO facilities (code, name, kind, capabilities, address, latitude, longitude, "
            "daily_capacity_items, processing_costs, updated_at, bench_hours_per_weekday) VALUES ('SQR', 'Salford', "
            "'refurbishment_centre', '[]', 'Road', 53.47, -2.29, 80, '{}', CURRENT_TIMESTAMP, 0)"))
        conn.execute(sa.text(
            "INSERT INTO part_numbers (part_number, description, category, vendor, serialised, new_price, "
            "refurbishment_cost, refurbishment_yield, residual_value, weight_kg, volume_l, hazardous, "
            "vendor_warranty_days, refurbished_stock, refurbished_stock_target, updated_at, refurbishment_hours, "
            "grade_policy) VALUES ('PRN-FUS-220', 'Fuser', 'printer', 'Arcadia', false, 310, 45, 0.85, 60, 2.8, 9, "
            "false, 365, 3, 5, CURRENT_TIMESTAMP, 1, 'refurbished_first')"))
    upgrade()

    movement = db.session.scalars(sa.select(StockMovement)).one()
    target = db.session.scalars(sa.select(StockTarget)).one()
    assert (movement.kind, movement.quantity, movement.to_grade) == (MovementKind.STOCKTAKE, 3, StockGrade.REFURBISHED)
    assert balance(db.session, movement.to_location_id, movement.part_number_id, StockGrade.REFURBISHED) == 3
    assert target.quantity == 5
