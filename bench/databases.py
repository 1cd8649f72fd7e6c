"""Fresh benchmark databases, built by the migrations as the tests build theirs.

PostgreSQL databases are named ``bench_*`` on the server of BENCH_POSTGRES_URL
(default ``postgresql://postgres@127.0.0.1:5432/postgres``); SQLite files live
under bench/results/.
"""

import os
import re

import sqlalchemy as sa

from bench.report import RESULTS_DIR
from server.config import database_url

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
#: Long enough for FIELDLOOP_ENV=production (bench/load.py), which refuses a SECRET_KEY under 32 bytes.
BENCH_SECRET_KEY = "bench-secret-key-of-at-least-32-bytes"
#: Settings of every app a benchmark builds in its own process: nothing runs in the background.
BENCH_APP_CONFIG = {
    "JOB_RUNNER": "manual",
    "SECRET_KEY": BENCH_SECRET_KEY,
    "PASSWORD_HASH_MEMORY_KIB": 1024,
    "PASSWORD_HASH_TIME_COST": 1,
}


def fresh_database(kind: str, name: str) -> str:
    """An empty database `bench_<name>` of `kind` (sqlite or postgres), migrated to head; its URL."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"A benchmark database name must be lower-case letters, digits and _, not {name!r}.")
    if kind == "sqlite":
        path = RESULTS_DIR / "db" / f"bench_{name}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif kind == "postgres":
        admin = sa.create_engine(database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "bench_{name}"'))
        admin.dispose()
        url = sa.make_url(database_url(POSTGRES_URL)).set(database=f"bench_{name}").render_as_string(
            hide_password=False)
    else:
        raise ValueError(f"--db must be sqlite or postgres, not {kind!r}.")
    migrate(url)
    return url


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    app = create_app({**BENCH_APP_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def bench_app(url: str, **config):
    """An app on `url` for arranging data and counting rows in this process."""
    from server import create_app

    return create_app({**BENCH_APP_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **config})


def count_rows(session, tables: list[str]) -> dict[str, int]:
    return {t: session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
