"""The local database's tables, built and upgraded by numbered migrations (PRAGMA user_version).

A migration is appended, never edited once released: a phone in the field may
open its database with any later version of the app.
"""

import sqlite3

MIGRATIONS: list[list[str]] = [
    # 1: outbox, answers, cached records, snapshot staging, settings.
    [
        """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        # Entries not yet answered by the server. seq is the device's counter, never reused.
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            job_id INTEGER,
            occurred_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            username TEXT NOT NULL,
            corrects TEXT
        )""",
        # Entries the server has answered; a rejected one stays a problem until corrected or dismissed.
        """CREATE TABLE answered (
            id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            type TEXT NOT NULL,
            job_id INTEGER,
            occurred_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            username TEXT NOT NULL,
            corrects TEXT,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
            duplicate INTEGER NOT NULL DEFAULT 0,
            errors TEXT,
            return_line_id TEXT,
            answered_at TEXT NOT NULL,
            problem TEXT CHECK (problem IN ('open', 'corrected', 'dismissed')),
            corrected_by TEXT
        )""",
        "CREATE INDEX answered_problem ON answered (problem)",
        "CREATE INDEX answered_job ON answered (job_id)",
        "CREATE INDEX outbox_job ON outbox (job_id)",
        # Records received by pull, as the server sent them.
        """CREATE TABLE records (
            entity TEXT NOT NULL,
            key TEXT NOT NULL,
            data TEXT NOT NULL,
            part_number TEXT,
            PRIMARY KEY (entity, key)
        )""",
        "CREATE INDEX records_part_number ON records (entity, part_number)",
        # A full snapshot being received page by page; swapped into records once complete.
        """CREATE TABLE snapshot (
            entity TEXT NOT NULL,
            key TEXT NOT NULL,
            data TEXT NOT NULL,
            part_number TEXT,
            PRIMARY KEY (entity, key)
        )""",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


class NewerDatabase(RuntimeError):
    """The database was written by a newer version of the app."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to SCHEMA_VERSION, one migration per transaction; return the version."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise NewerDatabase(
                    f"The local database has version {version}; this app knows up to {SCHEMA_VERSION}. Update the app."
                )
            if version == SCHEMA_VERSION:
                conn.execute("COMMIT")
                return version
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
