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
