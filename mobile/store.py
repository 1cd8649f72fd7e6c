"""The phone's local store (SQLite): outbox of entries, the server's answers, cached records, pull cursor.

An entry is written with its UUID and the device's next seq in one transaction,
on disk before the call returns: WAL with ``synchronous=FULL`` syncs the log on
every commit, so neither a killed app nor a phone whose battery dies loses an
entry the screen called saved (NORMAL would survive a killed app but could lose
the last commits on power loss). The outbox forgets an entry, and the cursor
moves, only in the transaction that records the server's answer.

One connection per thread: the UI, the sync thread and a background writer read
concurrently (WAL) and take turns to write (``BEGIN IMMEDIATE``).
"""

import json
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from common.enums import EventOutcome, EventType, SyncEntity
from common.stock import install_grade
from mobile.store_schema import migrate

BUSY_TIMEOUT_S = 30
OPEN = "open"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Draft:
    """An entry as the engineer saved it, before it has an id and a seq."""

    type: EventType
    job_id: int | None
    payload: dict
    #: Chosen before saving when another entry must name this one (a swap's install names its removal).
    id: str | None = None


@dataclass(frozen=True)
class Entry:
    """An entry as stored: waiting in the outbox, or answered by the server."""

    id: str
    seq: int
    type: str
    job_id: int | None
    occurred_at: str
    payload: dict
    state: str  # waiting | accepted | rejected
    errors: dict | None = None
    problem: str | None = None  # open | corrected | dismissed, for a rejected entry
    corrects: str | None = None

    def as_event(self) -> dict:
        """The event as the sync protocol sends it."""
        return {"id": self.id, "seq": self.seq, "type": self.type, "occurred_at": self.occurred_at,
                "job_id": self.job_id, "payload": self.payload}


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        #: Held by a sync run, so that two runs of one store take turns.
        self.sync_lock = threading.Lock()
        migrate(self._db())
        self._choose_device_id()

    # --- connections and transactions -------------------------------------------

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _write(self):
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _read(self):
        """Several queries that see one snapshot."""
        conn = self._db()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    # --- settings -----------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        return _setting(self._db(), key, default)

    def set_settings(self, **values: str | None) -> None:
        """Set (or, with None, remove) several settings in one transaction."""
        with self._write() as db:
            for key, value in values.items():
                _set(db, key, value)

    @property
    def device_id(self) -> str:
        """This phone's id for the server: a UUID chosen when the store is first opened, then kept."""
        return self.setting("device_id")

    @property
    def device_secret(self) -> str | None:
        """The secret the server issued to this phone, kept with the outbox: it proves the device id is ours."""
        return self.setting("device_secret")

    @property
    def last_seq(self) -> int:
        """The highest seq this phone has given an entry (0 before the first)."""
        return int(self.setting("last_seq", "0"))

    def _choose_device_id(self) -> None:
        with self._write() as db:
            if _setting(db, "device_id") is None:
                _set(db, "device_id", str(uuid.uuid4()))

    # --- entries ------------------------------------------------------------------

    def log_entries(self, drafts: list[Draft], *, username: str, corrects: str | None = None) -> list[Entry]:
        """Give each draft an id and the next seq and put them all in the outbox, in one transaction.

        With `corrects`, the rejected entry of that id stops being an open problem in the same transaction.
        """
        occurred_at = utc_now()
        entries = []
        with self._write() as db:
            last_seq = int(_setting(db, "last_seq", "0"))
            for seq, draft in enumerate(drafts, start=last_seq + 1):
                entry = Entry(draft.id or str(uuid.uuid4()), seq, str(draft.type), draft.job_id, occurred_at,
                              draft.payload, "waiting", corrects=corrects)
                db.execute(
                    "INSERT INTO outbox (seq, id, type, job_id, occurred_at, payload, username, corrects)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (entry.seq, entry.id, entry.type, entry.job_id, entry.occurred_at, json.dumps(entry.payload),
                     username, corrects),
                )
                entries.append(entry)
            _set(db, "last_seq", str(last_seq + len(drafts)))
            if corrects is not None and entries:
                db.execute("UPDATE answered SET problem = 'corrected', corrected_by = ? WHERE id = ? AND problem = ?",
                           (entries[0].id, corrects, OPEN))
        return entries

    def waiting(self, limit: int | None = None) -> list[Entry]:
        """Entries not yet answered, oldest first."""
        rows = self._db().execute("SELECT * FROM outbox ORDER BY seq LIMIT ?", (-1 if limit is None else limit,))
        return [_entry(row) for row in rows]

    def waiting_count(self) -> int:
        return self._db().execute("SELECT count(*) FROM outbox").fetchone()[0]

    def waiting_usernames(self) -> set[str]:
        return {row[0] for row in self._db().execute("SELECT DISTINCT username FROM outbox")}

    def entries(self, job_id: int | None = None) -> list[Entry]:
        """Every entry, waiting or answered (of one job if given), in seq order."""
        where, args = ("WHERE job_id = ?", (job_id,)) if job_id is not None else ("", ())
        with self._read() as db:
            rows = list(db.execute(f"SELECT * FROM answered {where}", args))
            rows += list(db.execute(f"SELECT * FROM outbox {where}", args))
        return sorted((_entry(row) for row in rows), key=lambda e: e.seq)

    def entry(self, entry_id: str) -> Entry | None:
        with self._read() as db:
            row = (db.execute("SELECT * FROM outbox WHERE id = ?", (entry_id,)).fetchone()
                   or db.execute("SELECT * FROM answered WHERE id = ?", (entry_id,)).fetchone())
        return _entry(row) if row else None

    def problems(self) -> list[Entry]:
        rows = self._db().execute("SELECT * FROM answered WHERE problem = ? ORDER BY seq", (OPEN,))
        return [_entry(row) for row in rows]

    def problem_count(self) -> int:
        return self._db().execute("SELECT count(*) FROM answered WHERE problem = ?", (OPEN,)).fetchone()[0]

    def dismiss_problem(self, entry_id: str) -> None:
        with self._write() as db:
            db.execute("UPDATE answered SET problem = 'dismissed' WHERE id = ? AND problem = ?", (entry_id, OPEN))

    def record_answers(self, results: list[dict], *, highest_contiguous_seq: int | None = None,
                       missing_seqs: list[int] | None = None) -> dict[str, int]:
        """Move each answered entry from the outbox to the answers, in one transaction.

        An entry another sync run has already answered is skipped, so a push
        answered twice is recorded once. Returns how many entries got each outcome.
        """
        counts = {EventOutcome.ACCEPTED.value: 0, EventOutcome.REJECTED.value: 0}
        now = utc_now()
        with self._write() as db:
            for result in results:
                outcome = _outcome(result)
                row = db.execute("SELECT * FROM outbox WHERE id = ?", (str(result.get("id")),)).fetchone()
                if row is None or outcome is None:
                    continue
                errors = None
                if outcome == EventOutcome.REJECTED:
                    errors = json.dumps(result.get("errors") or {"_schema": ["Refused by the server."]})
                db.execute(
                    "INSERT INTO answered (id, seq, type, job_id, occurred_at, payload, username, corrects, status,"
                    " duplicate, errors, return_line_id, answered_at, problem) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (row["id"], row["seq"], row["type"], row["job_id"], row["occurred_at"], row["payload"],
                     row["username"], row["corrects"], outcome, result.get("status") == EventOutcome.DUPLICATE,
                     errors, result.get("return_line_id"), now, OPEN if errors else None),
                )
                db.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
                if outcome == EventOutcome.ACCEPTED:
                    _apply_accepted(db, _entry(row))
                counts[outcome] += 1
            if highest_contiguous_seq is not None:
                _set(db, "server_highest_contiguous_seq", str(highest_contiguous_seq))
                _set(db, "server_missing_seqs", json.dumps(missing_seqs or []))
        return counts

    # --- cached records and the pull cursor -----------------------------------------

    @property
    def cursor(self) -> str | None:
        return self.setting("cursor")

    def apply_pull_page(self, sent_cursor: str | None, page: dict) -> bool:
        """Apply one pull page and move the cursor, in one transaction.

        Refused (False) when the cursor is no longer the one the page was asked
        with: another sync run got there first. A full snapshot is gathered
        aside and replaces the cache only once complete, so the engineer keeps
        their jobs if the re-sync is interrupted.
        """
        with self._write() as db:
            if _setting(db, "cursor") != sent_cursor:
                return False
            in_snapshot = _setting(db, "snapshot_open") == "1"
            if page["full_resync"]:
                if sent_cursor is None or not in_snapshot:
                    db.execute("DELETE FROM snapshot")
                    _set(db, "snapshot_open", "1")
                table = "snapshot"
            else:
                if in_snapshot:
                    _swap_in_snapshot(db)
                table = "records"
            for change in page["changes"]:
                if change["op"] == "upsert":
                    _upsert(db, table, change["entity"], change["id"], change["data"])
                else:
                    db.execute(f"DELETE FROM {table} WHERE entity = ? AND key = ?", (change["entity"], change["id"]))
            if page["full_resync"] and not page["has_more"]:
                _swap_in_snapshot(db)
            _set(db, "cursor", page["cursor"])
        return True

    def forget_cursor(self) -> None:
        """Start again from no cursor (the server answered 409); entries waiting are not touched."""
        with self._write() as db:
            _set(db, "cursor", None)
            _set(db, "snapshot_open", None)
            db.execute("DELETE FROM snapshot")

    def forget_cache(self) -> None:
        """Drop cached records and answers (another engineer signs in); the outbox is not touched."""
        with self._write() as db:
            for table in ("records", "snapshot", "answered"):
                db.execute(f"DELETE FROM {table}")
            for key in ("cursor", "snapshot_open", "last_sync_at", "server_missing_seqs"):
                _set(db, key, None)

    def records(self, entity: SyncEntity) -> list[dict]:
        rows = self._db().execute("SELECT data FROM records WHERE entity = ? ORDER BY key", (str(entity),))
        return [json.loads(row[0]) for row in rows]

    def record(self, entity: SyncEntity, key) -> dict | None:
        row = self._db().execute("SELECT data FROM records WHERE entity = ? AND key = ?", (str(entity), str(key)))
        found = row.fetchone()
        return json.loads(found[0]) if found else None

    def part(self, part_number: str) -> dict | None:
        """The catalogue entry of a part number, matched without regard to case."""
        row = self._db().execute(
            "SELECT data FROM records WHERE entity = ? AND part_number = ? COLLATE NOCASE",
            (str(SyncEntity.PART), part_number.strip()),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def count(self, entity: SyncEntity) -> int:
        return self._db().execute("SELECT count(*) FROM records WHERE entity = ?", (str(entity),)).fetchone()[0]


# --- helpers on a connection inside a transaction ------------------------------------


def _setting(db: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def _set(db: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM settings WHERE key = ?", (key,))
    else:
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                   (key, value, value))


def _entry(row: sqlite3.Row) -> Entry:
    keys = row.keys()
    answered = "status" in keys
    return Entry(
        id=row["id"], seq=row["seq"], type=row["type"], job_id=row["job_id"], occurred_at=row["occurred_at"],
        payload=json.loads(row["payload"]), state=row["status"] if answered else "waiting",
        errors=json.loads(row["errors"]) if answered and row["errors"] else None,
        problem=row["problem"] if answered else None, corrects=row["corrects"],
    )


def _outcome(result: dict) -> str | None:
    """What the server decided for an event: accepted, rejected, or None for an answer we cannot read."""
    status = result.get("status")
    if status == EventOutcome.DUPLICATE:
        status = result.get("original_status") or (EventOutcome.REJECTED if result.get("errors") else EventOutcome.ACCEPTED)
    return status if status in (EventOutcome.ACCEPTED, EventOutcome.REJECTED) else None


def _upsert(db: sqlite3.Connection, table: str, entity: str, key: str, data: dict) -> None:
    part_number = data.get("part_number") if entity == SyncEntity.PART else None
    db.execute(
        f"INSERT INTO {table} (entity, key, data, part_number) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (entity, key) DO UPDATE SET data = excluded.data, part_number = excluded.part_number",
        (str(entity), str(key), json.dumps(data), part_number),
    )


def _swap_in_snapshot(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM records")
    db.execute("INSERT INTO records (entity, key, data, part_number) SELECT entity, key, data, part_number FROM snapshot")
    db.execute("DELETE FROM snapshot")
    _set(db, "snapshot_open", None)


def _apply_accepted(db: sqlite3.Connection, entry: Entry) -> None:
    """Show an accepted entry's effect in the cache until the next pull brings the server's record."""
    kind = EventType(entry.type)
    if kind in (EventType.PART_REMOVED, EventType.EQUIPMENT_COLLECTED):
        job = db.execute("SELECT data FROM records WHERE entity = 'job' AND key = ?", (str(entry.job_id),)).fetchone()
        line = {"id": entry.id, "part_number": entry.payload["part_number"], "serial": entry.payload.get("serial"),
                "quantity": entry.payload.get("quantity", 1), "condition": entry.payload["condition"],
                "status": "awaiting_disposition", "job_id": entry.job_id,
                "origin_site_id": json.loads(job[0])["site_id"] if job else None}
        db.execute("INSERT OR IGNORE INTO records (entity, key, data) VALUES ('return_line', ?, ?)",
                   (entry.id, json.dumps(line)))
    elif kind == EventType.RETURN_HANDED_OVER:
        db.execute("DELETE FROM records WHERE entity = 'return_line' AND key = ?", (entry.payload["return_line_id"],))
    elif kind == EventType.PART_INSTALLED:
        _take_from_van(db, entry.payload)
    elif kind == EventType.JOB_COMPLETED:
        row = db.execute("SELECT data FROM records WHERE entity = 'job' AND key = ?", (str(entry.job_id),)).fetchone()
        if row:
            job = {**json.loads(row[0]), "status": "completed"}
            db.execute("UPDATE records SET data = ? WHERE entity = 'job' AND key = ?", (json.dumps(job), str(entry.job_id)))


def _take_from_van(db: sqlite3.Connection, payload: dict) -> None:
    """One unit fewer in the cached van stock record the install took from (if the phone has it)."""
    grade = install_grade(payload).value
    cached = db.execute("SELECT key, data FROM records WHERE entity = ?", (str(SyncEntity.VAN_STOCK),)).fetchall()
    for key, data in cached:
        record = json.loads(data)
        if (record.get("part_number"), record.get("grade")) == (payload["part_number"], grade):
            record["quantity"] -= 1
            db.execute("UPDATE records SET data = ? WHERE entity = ? AND key = ?",
                       (json.dumps(record), str(SyncEntity.VAN_STOCK), key))
            return
