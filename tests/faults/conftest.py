"""Fixtures for the fault tests: the server in a process that can be killed, links that fail, phones on them,
and PostgreSQL databases of their own for the tests that cut or restore one.

The world (engineers, jobs, parts, facilities) is the server tests' one
(tests/server_fixtures.py). Every process a fixture starts listens on
127.0.0.1 and is stopped, by its own pid, when the test ends.
"""

import os

import pytest
import sqlalchemy as sa

from app_settings import TEST_CONFIG
from live_servers import ServerProcess, server_environment
from server import create_app
from server.config import database_url as normalised_url
from server.extensions import db
from server_fixtures import logistics, world  # noqa: F401  (fixtures)
from tcp_proxy import FlakyLink

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def server_process(database_url, tmp_path):
    """The app in a child process (werkzeug, threaded) on the test's database; SIGKILL with ``kill()``."""
    running = ServerProcess(server_environment(database_url, tmp_path / "instance"), tmp_path / "server.log")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def links():
    """Open a FlakyLink to a port: ``links(server.port)``; all are closed at the end."""
    opened = []

    def open_(port: int, **options) -> FlakyLink:
        link = FlakyLink(port, **options)
        opened.append(link)
        return link

    yield open_
    for link in opened:
        link.close()


# --- PostgreSQL databases of a test's own ---------------------------------------


def postgres_server_url() -> str:
    """The PostgreSQL server the suite uses (TEST_DATABASE_URL's), at its maintenance database."""
    url = sa.make_url(normalised_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL))
    return url.set(database="postgres").render_as_string(hide_password=False)


def _admin_engine() -> sa.Engine:
    return sa.create_engine(postgres_server_url(), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def fault_postgres_template(worker_id):
    """A migrated PostgreSQL database that per-test databases are copied from; skipped without PostgreSQL."""
    admin = _admin_engine()
    try:
        admin.connect().close()
    except sa.exc.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)")
    name = f"fault_template_{worker_id}_{os.getpid()}"  # the pid: two runs on one server keep apart
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(postgres_server_url()).set(database=name).render_as_string(hide_password=False)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fault_postgres(fault_postgres_template, worker_id):
    """A fresh, migrated PostgreSQL database for this test only; its URL."""
    admin = _admin_engine()
    name = f"fault_db_{worker_id}_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{fault_postgres_template}"'))
    yield sa.make_url(postgres_server_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
