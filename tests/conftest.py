"""Fixtures every level shares: a migrated database, an app on it, a live server.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL
is set (.ci/run does both). The schema is built once per run with the
Alembic migrations, never with ``create_all``, so models and migrations cannot
drift; each test then starts from empty tables.
"""

import os
import shutil
import pytest
import redis
import sqlalchemy as sa

import factories as make
from app_settings import TEST_CONFIG
from field_phones import open_phone
from live_servers import RestartableServer
from loopback_servers import smtp_server, webhook_receiver  # noqa: F401  (fixtures for every level)
from server import create_app
from server.config import database_url as normalised_url
from server.extensions import db


def pytest_collection_modifyitems(config, items):
    """The fault tests kill and stall servers and time their recovery: they run alone (marker `serial`)."""
    for item in items:
        if item.path.parent.name == "faults":
            item.add_marker(pytest.mark.serial)


def pytest_make_parametrize_id(config, val, argname):
    """A set's id in its sorted order, so every xdist worker collects the same test names."""
    if isinstance(val, (set, frozenset)):
        return "{" + ",".join(sorted(map(str, val))) + "}"
    return None


def _postgres_url(worker: str) -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    url = normalised_url(url)
    if worker == "master":
        return url
    # Each xdist worker gets its own database next to the given one.
    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory, worker_id):
    """A database URL whose schema has been built by the migrations."""
    url = _postgres_url(worker_id)
    if url is None:
        path = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite:///{path}"
    else:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [t.name for t in db.metadata.sorted_tables if t.name != "server_state"]
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("UPDATE server_state SET pruned_through_txid = 0, pruned_through_id = 0"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_database, tmp_path):
    """A fresh, empty, migrated database for one test."""
    if migrated_database.startswith("sqlite"):
        path = tmp_path / "fieldloop.db"
        shutil.copy(sa.make_url(migrated_database).database, path)
        return f"sqlite:///{path}"
    _empty_postgres(migrated_database)
    return migrated_database


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_FOLDER": str(tmp_path / "mail")})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def session(app_context):
    """The app's database session, for arranging and checking data directly."""
    yield db.session
    db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The test's app over real HTTP on a loopback port, in a thread; ``stop()`` and ``start()`` keep the port."""
    server = RestartableServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def phone_at(request, tmp_path):
    """Open a phone — the field app's store, client, account and sync engine, without screens — in a
    folder of the test: ``phone_at("a.db", username="amy", url=None, **engine_options)``. It signs in as
    `username` (None: it stays signed out) on `url`, by default the live server. All are closed at the end."""
    opened = []

    def open_(name: str = "phone.db", username: str | None = "amy", url: str | None = None, **engine_options):
        url = url or request.getfixturevalue("live_server").url
        phone = open_phone(tmp_path / name, url, **engine_options)
        if username is not None and not phone.account.known:
            phone.account.sign_in(url, username, make.PASSWORD)
        opened.append(phone)
        return phone

    yield open_
    for phone in opened:
        phone.close()


@pytest.fixture
def redis_broker(worker_id):
    """An emptied Redis database on 127.0.0.1 for a Celery broker (one per xdist worker); skipped without Redis."""
    number = 15 if worker_id == "master" else 15 - int(worker_id.removeprefix("gw")) % 8
    url = f"redis://127.0.0.1:6379/{number}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    client.flushdb()
    yield url
    client.flushdb()
    client.close()
