"""Sync ingest: events per second through the real push endpoint, against bulk INSERTs of the same rows.

One engineer's phone pushes batches of ``part_removed`` events, one after the
other, to a gunicorn server on loopback (JOB_RUNNER=manual: the engine task
rows are written, not run). Each event is validated and becomes a field event,
a return line, a custody entry, a serialised-item update, change-log rows and
(one per batch) an engine task row. The baseline writes the very same rows
with plain multi-row INSERT/UPDATE statements on one connection, one
transaction per batch, into the same database in the same run; the row
counts of both phases are compared and must be equal.

    python -m bench.ingest --db sqlite|postgres [--batch 100] [--events 5000] [--workers 2] [--profile]

The two alternate, ROUND_BATCHES batches at a time, so that both see the same
machine; the first WARMUP_BATCHES of each are not counted.

``--profile`` serves the app in this process under cProfile instead and
prints where a push spends its time.
"""

import argparse
import cProfile
import io
import os
import pstats
import threading
import time
import uuid
from collections import Counter

import requests
import sqlalchemy as sa

from bench.databases import bench_app, count_rows, fresh_database
from bench.processes import Gunicorn, server_environment
from bench.report import RESULTS_DIR, machine, machine_line, percentile, progress, write_results
from bench.scenario import (
    BENCH_PASSWORD, add_engineers, add_facility, add_installed_items, add_jobs, add_parts, add_sites, now,
    part_removed, push_body,
)
from common.enums import ChangeOp, EventOutcome, HolderKind, ItemStatus, ReturnStatus, SyncEntity
from server.config import database_url
from server.database import WRITE_OPTION, configure_engine
from server.extensions import db
from server.models import BackgroundTask, ChangeLogEntry, CustodyEntry, Device, FieldEvent, ReturnLine, SerialisedItem
from server.models.tasks import PENDING

TABLES = ["field_events", "return_lines", "custody_log", "change_log", "background_tasks"]
SITES = 20
WARMUP_BATCHES = 4
ROUND_BATCHES = 2


def arrange(url: str, events: int) -> dict:
    """One engineer with a job at each of SITES sites, and 2×`events` installed items spread over them."""
    app = bench_app(url)
    with app.app_context():
        session = db.session
        facility = add_facility(session)
        (part_id,) = add_parts(session, 1)
        engineer = add_engineers(session, 1, app.extensions["fieldloop.passwords"].hash(BENCH_PASSWORD),
                                 facility.id)[0]
        sites = add_sites(session, SITES)
        jobs = add_jobs(session, [(engineer.id, s.id) for s in sites], None)
        items = add_installed_items(session, part_id, [s.id for s in sites], 2 * events)
        site_names = {s.id: f"{s.name}, {s.address}" for s in sites}
        world = {"engineer_id": engineer.id, "username": engineer.username, "display_name": engineer.display_name,
                 "part_id": part_id, "part_number": "BP-000000", "jobs": {site: jobs[(engineer.id, site)]
                                                                          for site in site_names},
                 "site_places": site_names, "items": items}
        db.engine.dispose()
    return world


def batches_of(world: dict, items: list[tuple[int, str]], batch: int) -> list[list[dict]]:
    events = [part_removed(seq, world["jobs"][site_id], world["part_number"], serial)
              for seq, (site_id, serial) in enumerate(items, start=1)]
    return [events[i:i + batch] for i in range(0, len(events), batch)]


# --- through HTTP ---------------------------------------------------------------------------------------------


class HttpPhone:
    """An engineer's phone pushing over real HTTP; every event must be accepted."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.device_id = f"bench-{uuid.uuid4().hex[:12]}"
        r = self.http.post(base_url + "/api/v1/auth/token", timeout=30,
                           json={"username": username, "password": BENCH_PASSWORD, "device_id": self.device_id})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def push(self, events: list[dict]) -> float:
        """Push one batch; the seconds it took."""
        started = time.perf_counter()
        r = self.http.post(self.base_url + "/api/v1/sync/push", json=push_body(self.device_id, events), timeout=120)
        elapsed = time.perf_counter() - started
        if r.status_code != 200:
            raise RuntimeError(f"push answered {r.status_code}: {r.text[:500]}")
        statuses = {x["status"] for x in r.json()["results"]}
        if statuses != {"accepted"}:
            raise RuntimeError(f"push did not accept every event: {r.json()['results'][:3]}")
        return elapsed


def push_over_http(base_url: str, username: str, batches: list[list[dict]]) -> list[float]:
    phone = HttpPhone(base_url, username)
    return [phone.push(events) for events in batches]


# --- the baseline: the same rows, bulk-inserted -----------------------------------------------------------------


class BulkWriter:
    """Writes what a push writes for a batch, with multi-row statements on one connection."""

    def __init__(self, url: str, world: dict):
        # The app's connection settings (SQLite: WAL, foreign keys, synchronous=NORMAL, BEGIN IMMEDIATE).
        engine = sa.create_engine(database_url(url))
        configure_engine(engine)
        self.engine = engine.execution_options(**{WRITE_OPTION: True})
        app = bench_app(url)
        with app.app_context():
            self.device_pk = _baseline_device(db.session, world["engineer_id"])
            self.item_ids = dict(db.session.execute(sa.select(SerialisedItem.serial, SerialisedItem.id)).all())
            db.engine.dispose()
        self.world = world
        self.site_of_job = {job: site for site, job in world["jobs"].items()}
        self.seq = 0

    def write(self, events: list[dict]) -> float:
        """Write one batch in one transaction; the seconds it took (rows are built before the clock starts)."""
        received = now()
        rows = _rows_of_batch(events, self.world, self.item_ids, self.site_of_job, self.device_pk,
                              self.world["engineer_id"], received)
        self.seq += len(events)
        devices, items = Device.__table__, SerialisedItem.__table__
        started = time.perf_counter()
        with self.engine.begin() as conn:
            conn.execute(sa.select(devices.c.id).where(devices.c.id == self.device_pk).with_for_update())
            conn.execute(sa.insert(FieldEvent.__table__), rows["field_events"])
            conn.execute(sa.insert(ReturnLine.__table__), rows["return_lines"])
            conn.execute(sa.insert(CustodyEntry.__table__), rows["custody_log"])
            conn.execute(items.update().where(items.c.id == sa.bindparam("item_id"))
                         .values(status=sa.bindparam("new_status"), location_kind=sa.bindparam("kind"),
                                 location_id=sa.bindparam("holder"), updated_at=sa.bindparam("at")),
                         rows["item_updates"])
            conn.execute(sa.insert(ChangeLogEntry.__table__), rows["change_log"])
            conn.execute(sa.insert(BackgroundTask.__table__), [rows["task"]])
            conn.execute(devices.update().where(devices.c.id == self.device_pk)
                         .values(highest_contiguous_seq=self.seq, highest_seq_seen=self.seq, last_seen_at=received))
        return time.perf_counter() - started

    def close(self) -> None:
        self.engine.dispose()


def _baseline_device(session, engineer_id: int) -> int:
    device = Device(device_uid=f"bench-bulk-{uuid.uuid4().hex[:8]}", user_id=engineer_id)
    session.add(device)
    session.commit()
    return device.id


def _rows_of_batch(events, world, item_ids, site_of_job, device_pk, engineer_id, received) -> dict:
    rows = {"field_events": [], "return_lines": [], "custody_log": [], "item_updates": [], "change_log": []}
    sites = set()
    for event in events:
        line_id = uuid.UUID(event["id"])
        at = now()
        site_id = site_of_job[event["job_id"]]
        payload = event["payload"]
        item_id = item_ids[payload["serial"]]
        sites.add(site_id)
        rows["field_events"].append(dict(
            id=line_id, device_id=device_pk, user_id=engineer_id, seq=event["seq"], type=event["type"], occurred_at=at,
            job_id=event["job_id"], body=event, received_at=received, status=EventOutcome.ACCEPTED, errors=None,
            flags=[], device_clock_offset_s=0, return_line_id=line_id))
        rows["return_lines"].append(dict(
            id=line_id, part_number_id=world["part_id"], serialised_item_id=item_id, serial=payload["serial"],
            quantity=1, origin=event["type"], condition=payload["condition"], failure_code=payload["failure_code"],
            origin_site_id=site_id, job_id=event["job_id"], removed_by_id=engineer_id, removed_at=at,
            status=ReturnStatus.AWAITING_DISPOSITION, status_changed_at=at, holder_kind=HolderKind.ENGINEER,
            holder_id=engineer_id, alternatives=[], created_at=received, updated_at=received))
        rows["custody_log"].append(dict(
            return_line_id=line_id, serialised_item_id=item_id, holder_kind=HolderKind.ENGINEER, holder_id=engineer_id,
            place=world["site_places"][site_id], at=at, event_id=line_id, recorded_by_id=engineer_id,
            note=f"Removed by {world['display_name']}"))
        rows["item_updates"].append(dict(item_id=item_id, new_status=ItemStatus.REMOVED, kind=HolderKind.ENGINEER,
                                         holder=engineer_id, at=received))
        rows["change_log"].append(dict(entity=SyncEntity.RETURN_LINE, entity_key=str(line_id), op=ChangeOp.UPSERT,
                                       scope_user_id=engineer_id))
    rows["change_log"] += [dict(entity=SyncEntity.SITE, entity_key=str(s), op=ChangeOp.UPSERT,
                                scope_user_id=engineer_id) for s in sorted(sites)]
    rows["task"] = dict(name="decide_return_lines", args={"return_line_ids": [e["id"] for e in events]},
                        status=PENDING, attempts=0, run_after=received, created_at=received)
    return rows


# --- profiling --------------------------------------------------------------------------------------------------


def profile_pushes(url: str, world: dict, batches: list[list[dict]]) -> str:
    """Serve the app in this process and profile the request handling of every push."""
    from werkzeug.serving import make_server

    app = bench_app(url)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    server.RequestHandlerClass.log_request = lambda *a, **k: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    profiler = cProfile.Profile()
    original = app.wsgi_app

    def profiled(environ, start_response):
        if environ["PATH_INFO"].endswith("/sync/push"):
            return profiler.runcall(original, environ, start_response)
        return original(environ, start_response)

    app.wsgi_app = profiled
    thread.start()
    try:
        push_over_http(f"http://127.0.0.1:{server.server_port}", world["username"], batches)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
    profiler.dump_stats(str(RESULTS_DIR / "ingest-push.prof"))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    stats.print_stats(r"/(server|common)/", 40)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


# --- the run ------------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--batch", type=int, default=100, help="events per push (100 realistic, 500 the maximum)")
    parser.add_argument("--events", type=int, default=5000, help="timed events per phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--profile", action="store_true", help="profile the pushes instead of timing them")
    args = parser.parse_args(argv)

    warmup = WARMUP_BATCHES * args.batch
    progress(f"Fresh {args.db} database, {args.events} events per phase in pushes of {args.batch}…")
    url = fresh_database(args.db, f"ingest_{args.db}")
    world = arrange(url, args.events + warmup)
    half = len(world["items"]) // 2
    http_batches = batches_of(world, world["items"][:half], args.batch)
    bulk_batches = batches_of(world, world["items"][half:], args.batch)

    if args.profile:
        progress("Profiling the pushes in this process (cProfile)…")
        print(profile_pushes(url, world, http_batches))
        return 0

    app = bench_app(url)

    def counts():
        with app.app_context():
            c = count_rows(db.session, TABLES)
            c["serialised_items removed"] = db.session.scalar(
                sa.select(sa.func.count()).where(SerialisedItem.status == ItemStatus.REMOVED))
            db.session.rollback()
            return c

    before = counts()
    progress(f"Starting gunicorn ({args.workers} workers) on {args.db}…")
    http_times, bulk_times = [], []
    with Gunicorn(server_environment(url), workers=args.workers, log_name=f"ingest-{args.db}-gunicorn") as server:
        phone, writer = HttpPhone(server.url, world["username"]), BulkWriter(url, world)
        # Rounds alternate between the two, so that both see the same machine (other work on it comes and goes).
        rounds = range(0, len(http_batches), ROUND_BATCHES)
        progress(f"{len(http_batches)} pushes over HTTP and {len(bulk_batches)} bulk batches, alternating "
                 f"{ROUND_BATCHES} at a time (the first {WARMUP_BATCHES} of each warm up)…")
        http_rows, bulk_rows = Counter(), Counter()
        for n, first in enumerate(rounds, start=1):
            c0 = counts()
            http_times += [phone.push(b) for b in http_batches[first:first + ROUND_BATCHES]]
            c1 = counts()
            bulk_times += [writer.write(b) for b in bulk_batches[first:first + ROUND_BATCHES]]
            c2 = counts()
            http_rows.update({t: c1[t] - c0[t] for t in c0})
            bulk_rows.update({t: c2[t] - c1[t] for t in c0})
            if n % 5 == 0 or n == len(rounds):
                http_ms, bulk_ms = (1000 * sum(t[WARMUP_BATCHES:]) / max(1, len(t) - WARMUP_BATCHES)
                                    for t in (http_times, bulk_times))
                progress(f"  round {n}/{len(rounds)}: HTTP {http_ms:.0f} ms/push, bulk {bulk_ms:.0f} ms/batch")
        writer.close()
    http_times, bulk_times = http_times[WARMUP_BATCHES:], bulk_times[WARMUP_BATCHES:]
    after = counts()
    load = os.getloadavg()[0]

    if http_rows != bulk_rows or sum(http_rows.values()) + sum(bulk_rows.values()) != sum(
            after[t] - before[t] for t in before):
        raise SystemExit(f"The two ways wrote different rows: HTTP {dict(http_rows)}, bulk {dict(bulk_rows)}")
    http_delta = dict(http_rows)

    timed_events = args.batch * len(http_times)
    http_rate = timed_events / sum(http_times)
    bulk_rate = timed_events / sum(bulk_times)
    ratio = http_rate / bulk_rate
    result = {
        "db": args.db, "batch": args.batch, "events": timed_events, "workers": args.workers,
        "http_events_per_s": http_rate, "bulk_events_per_s": bulk_rate, "ratio": ratio,
        "http_batch_p50_ms": percentile(http_times, 0.5) * 1000, "http_batch_p95_ms": percentile(http_times, 0.95) * 1000,
        "bulk_batch_p50_ms": percentile(bulk_times, 0.5) * 1000, "rows_per_phase": http_delta,
        "load_average_1min_at_end": load,
    }
    info = machine()
    markdown = (
        f"| {args.db} | {args.batch} | {timed_events} | {http_rate:,.0f} | {bulk_rate:,.0f} | **{ratio:.2f}** "
        f"| {result['http_batch_p50_ms']:.0f} | {result['bulk_batch_p50_ms']:.0f} |\n"
    )
    json_path, _ = write_results(f"ingest-{args.db}", result, markdown)
    progress(f"Rows written by each phase: {http_delta}")
    print(f"\nMachine: {machine_line(info)}")
    print("| db | events/push | events timed | HTTP events/s | bulk events/s | ratio | HTTP ms/push (p50) | bulk ms/push (p50) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(markdown, end="")
    print(f"\nRaw results: {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
