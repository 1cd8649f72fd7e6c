"""A server restored from a backup taken before some syncs: every phone gets 409 and re-syncs from scratch,
keeps its unsent entries, and the entries the restore lost show up as a gap in the device's seq numbers
(``GET /api/v1/devices``), whether or not the operator rotated the sync epoch.

SQLite is backed up with its online backup API and restored by putting the
file back; PostgreSQL with pg_dump and pg_restore into a re-created database.
"""

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import factories as make
from common.enums import SyncEntity
from field_phones import record_resyncs
from live_servers import ROOT
from mobile.sync import SyncState
from mobile_workload import queue_entries, server_events
from phones import Phone as ProtocolPhone
from scope_views import assert_converged
from server.extensions import db
from server_ledger import half_written


@pytest.fixture
def database_url(database_url, request):
    """On PostgreSQL, a database of this test's own, which it may drop and restore."""
    if database_url.startswith("sqlite"):
        return database_url
    return request.getfixturevalue("fault_postgres")


def back_up(url: str, folder: Path) -> Path:
    """A backup of the live database, as an operator takes one: SQLite's online backup, or pg_dump."""
    target = sa.make_url(url)
    if target.drivername.startswith("sqlite"):
        path = folder / "backup.db"
        source, copy = sqlite3.connect(target.database), sqlite3.connect(path)
        source.backup(copy)
        source.close()
        copy.close()
        return path
    path = folder / "backup.dump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(path), *_pg_args(target), target.database],
                   check=True, timeout=60)
    return path


def restore(url: str, backup: Path) -> None:
    """Put the backup in place of the database (the server is stopped)."""
    target = sa.make_url(url)
    if target.drivername.startswith("sqlite"):
        for suffix in ("-wal", "-shm"):
            Path(target.database + suffix).unlink(missing_ok=True)
        shutil.copy(backup, target.database)
        return
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    subprocess.run(["pg_restore", "--no-owner", "--dbname", target.database, *_pg_args(target), str(backup)],
                   check=True, timeout=60)


def _pg_args(url: sa.URL) -> list[str]:
    return ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres"]


@pytest.mark.parametrize("operator_rotates_epoch", [True, False], ids=["epoch-rotated", "operator-forgot"])
def test_a_server_restored_from_a_backup_makes_phones_resync_and_shows_lost_entries_as_gaps(
        operator_rotates_epoch, server_process, phone_at, world, session, database_url, tmp_path):
    job = world.amy_job.id
    phone = phone_at(url=server_process.url)
    assert phone.engine.sync_once().state == SyncState.IDLE
    kept = queue_entries(phone.store, job, 10)
    assert phone.engine.sync_once().waiting == 0
    backup = back_up(database_url, tmp_path)

    lost = queue_entries(phone.store, job, 10, first_serial=34_000_000)
    lost_job = make.job(session, world.south, world.amy, world.dana, summary="Planned after the backup").id
    assert phone.engine.sync_once().waiting == 0
    assert phone.store.record(SyncEntity.JOB, lost_job) is not None
    unsent = queue_entries(phone.store, job, 5, first_serial=35_000_000)

    server_process.stop()
    session.rollback()
    db.engine.dispose()
    restore(database_url, backup)
    if operator_rotates_epoch:
        subprocess.run([sys.executable, "-m", "flask", "--app", "server", "sync", "rotate-epoch"],
                       env=server_process.env, cwd=ROOT, check=True, timeout=60, capture_output=True)
    server_process.start()

    during = []
    refusals = record_resyncs(phone, lambda: during.extend(
        queue_entries(phone.store, job, 3, first_serial=36_000_000)))
    status = phone.engine.sync_once()

    assert status.state == SyncState.IDLE and status.problems == 0
    assert len(refusals) == 1 and "restored" in refusals[0].message
    assert [e.id for e in phone.store.waiting()] == [e.id for e in during], "entries logged as the re-sync began wait"
    assert phone.engine.sync_once().waiting == 0
    stored = [e.seq for e in server_events(session, phone.store.device_id)]
    assert stored == [e.seq for e in kept + unsent + during], \
        "what the restore lost is not back, and nothing else is missing"
    dana = ProtocolPhone(base_url=server_process.url)
    assert dana.sign_in("dana").status == 200
    devices = dana.request("GET", "/api/v1/devices", params={"with_gaps": "true"}).json["items"]
    assert [(d["device_uid"], d["missing_seqs"]) for d in devices] == \
        [(phone.store.device_id, [e.seq for e in lost])]
    assert phone.store.setting("server_missing_seqs") == str([e.seq for e in lost])
    assert phone.store.record(SyncEntity.JOB, lost_job) is None
    assert half_written(session) == []
    assert_converged(phone, server_process.url, "amy", make.PASSWORD)
