"""Phone backlog: a device that queued 10,000 entries offline syncs them all, push then pull.

    python -m bench.phone_backlog                      # SQLite and PostgreSQL, 10,000 entries
    python -m bench.phone_backlog --db sqlite --events 2000

The server is gunicorn (2 workers) on loopback on a fresh database. The phone
is the real sync engine (mobile/store.py, mobile/sync.py) in a process of its
own, so that its peak memory is its own: it queues the entries offline, then
one ``sync_once()`` pushes them in batches of 500 and pulls the engineer's
scope (one return line per removal) in pages of 500. Figures: wall time,
requests, the process's peak RSS (VmHWM; see ``peak_rss_kib``) and, in a second
run, the peak of Python allocations during the sync (``tracemalloc``, which
slows Python down, hence its own run).

The baseline, measured in the same run against the same server: the same
events pushed and the same pages pulled with plain ``requests`` calls and no
store at all, pulling from the same cursor — what the network and the server
cost. The ratio says what
the store's bookkeeping (outbox reads, answers recorded, placeholder lines,
pages applied, each in a durable SQLite transaction) adds on top.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import requests

from common.protocol import MAX_BATCH_EVENTS, PROTOCOL_VERSION

# The phone's process imports only this module and the app's mobile/ package, so that its memory is a phone's;
# the server-side modules (bench.*, server.*) are imported inside the functions the benchmark's own process runs.
REPO = Path(__file__).resolve().parent.parent

SERIALISED, LOOSE = "PRN-FUS-220", "PRN-RLR-KIT"
PULL_LIMIT = 500
#: In this order, so that the engine and the baseline meet the database in the same state, side by side.
RUNS = ("engine", "baseline", "engine-tracemalloc")


# --- the phone's side, in a process of its own --------------------------------------------------------------


def drafts(job_id: int, count: int, first_serial: int):
    """The entries an engineer logs: serialised removals, installations, non-serialised removals, in turn."""
    from mobile import entries

    for i in range(count):
        serial = f"AR{first_serial + i:08d}"
        yield (entries.removal(job_id, SERIALISED, serial, "faulty", "electrical") if i % 3 == 0
               else entries.installation(job_id, SERIALISED, serial) if i % 3 == 1
               else entries.removal(job_id, LOOSE, None, "working"))


class RequestCounter:
    """Counts every HTTP request this process makes, and the seconds spent in them (sending, the server's
    work, receiving), by method and path."""

    def __init__(self):
        self.by_path, self.seconds_by_path = Counter(), Counter()
        real = requests.Session.request

        def request(session, method, url, *args, **kwargs):
            started = time.perf_counter()
            path = f"{method} {url.split('?')[0].split('/api/v1/', 1)[-1]}"
            try:
                return real(session, method, url, *args, **kwargs)
            finally:
                self.seconds_by_path[path] += time.perf_counter() - started
                self.by_path[path] += 1

        requests.Session.request = request


def peak_rss_kib() -> int:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: on Linux the latter keeps the
    parent's peak across the fork and exec that started this process."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def phone_run(kind: str, url: str, username: str, password: str, job_id: int, events: int, first_serial: int
              ) -> dict:
    """One measured sync; its figures as a dict."""
    from mobile.account import Account
    from mobile.api_client import ApiClient
    from mobile.store import Store
    from mobile.sync import SyncEngine

    folder = Path(tempfile.mkdtemp(prefix="phone-backlog-"))
    store = Store(folder / "phone.db")
    client = ApiClient(url, store.device_id, timeout_s=(5, 300))
    account = Account(store, client)
    account.sign_in(url, username, password)
    engine = SyncEngine(store, client, account, batch_size=MAX_BATCH_EVENTS, pull_limit=PULL_LIMIT)
    engine.sync_once()  # the morning's first sync: the catalogue and the day's job
    started = time.perf_counter()
    work = list(drafts(job_id, events, first_serial))
    for first in range(0, events, 100):
        store.log_entries(work[first:first + 100], username=username)
    queued_s = time.perf_counter() - started
    del work
    outbox = [e.as_event() for e in store.waiting()] if kind == "baseline" else None
    rss_before_kib = peak_rss_kib()

    counter, phases = RequestCounter(), {}
    if kind == "engine-tracemalloc":
        tracemalloc.start()
    started = time.perf_counter()
    if kind == "baseline":
        cursor = store.cursor
        store.close()
        pages = raw_sync(url, client.token, store.device_id, outbox, cursor, phases)
        status, waiting, problems = "idle", 0, 0
    else:
        engine._push_all = timed(phases, "push", engine._push_all)
        engine._pull_all = timed(phases, "pull", engine._pull_all)
        result = engine.sync_once()
        status, waiting, problems = str(result.state), result.waiting, result.problems
        pages = None
    seconds = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None
    tracemalloc.stop()
    figures = {
        "kind": kind, "events": events, "seconds": seconds, "http_seconds": sum(counter.seconds_by_path.values()),
        "phase_seconds": phases, "http_seconds_by_path": dict(counter.seconds_by_path),
        "requests": sum(counter.by_path.values()), "requests_by_path": dict(counter.by_path),
        "queued_offline_s": queued_s, "status": status, "waiting_after": waiting, "problems_after": problems,
        "peak_rss_mib": peak_rss_kib() / 1024,
        "rss_growth_mib": (peak_rss_kib() - rss_before_kib) / 1024,
        "tracemalloc_peak_mib": traced_peak / 2**20 if traced_peak is not None else None,
        "cached_return_lines": None if kind == "baseline" else store.count("return_line"),
        "pulled_changes": pages,
    }
    if kind != "baseline":
        store.close()
    return figures


def timed(phases: dict, name: str, run):
    """`run`, recording in phases[name] how long it took."""
    def timed_run():
        started = time.perf_counter()
        try:
            return run()
        finally:
            phases[name] = time.perf_counter() - started

    return timed_run


def raw_sync(url: str, token: str, device_id: str, events: list[dict], cursor: str, phases: dict) -> int:
    """The baseline: push the events in batches of 500 and pull every page from the phone's cursor, keeping
    nothing; the changes pulled."""
    started = time.perf_counter()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    for first in range(0, len(events), MAX_BATCH_EVENTS):
        batch = events[first:first + MAX_BATCH_EVENTS]
        body = {"protocol_version": PROTOCOL_VERSION, "device_id": device_id, "events": batch}
        answer = http.post(url + "/api/v1/sync/push", json=body, timeout=300)
        answer.raise_for_status()
    phases["push"] = time.perf_counter() - started
    started, changes = time.perf_counter(), 0
    while True:
        params = {"limit": PULL_LIMIT, **({"cursor": cursor} if cursor else {})}
        page = http.get(url + "/api/v1/sync/pull", params=params, timeout=300)
        page.raise_for_status()
        page = page.json()
        changes += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            phases["pull"] = time.perf_counter() - started
            return changes


# --- the run ---------------------------------------------------------------------------------------------------


def arrange(url: str) -> dict:
    """A depot, the two parts, and one engineer with a job per measured run (each starts from the same scope)."""
    import sqlalchemy as sa

    from bench.databases import bench_app
    from bench.scenario import (
        BENCH_PASSWORD, add_dispatcher, add_engineers, add_facility, add_jobs, add_sites, part_row,
    )
    from server.extensions import db
    from server.models import PartNumber

    app = bench_app(url)
    with app.app_context():
        session = db.session
        depot = add_facility(session)
        session.execute(sa.insert(PartNumber.__table__), [
            {**part_row(0), "part_number": SERIALISED, "serial_pattern": "AR[0-9]{8}"},
            {**part_row(1, serialised=False), "part_number": LOOSE},
        ])
        session.commit()
        password_hash = app.extensions["fieldloop.passwords"].hash(BENCH_PASSWORD)
        dispatcher = add_dispatcher(session, password_hash)
        engineers = add_engineers(session, len(RUNS), password_hash, depot.id)
        sites = add_sites(session, len(RUNS))
        jobs = add_jobs(session, [(e.id, s.id) for e, s in zip(engineers, sites)], dispatcher.id)
        world = {kind: {"username": e.username, "password": BENCH_PASSWORD, "job_id": jobs[(e.id, s.id)]}
                 for kind, e, s in zip(RUNS, engineers, sites)}
        db.engine.dispose()
    return world


def measure(kind: str, server_url: str, who: dict, events: int, first_serial: int) -> dict:
    argv = [sys.executable, "-m", "bench.phone_backlog", "--phone", kind, "--url", server_url, "--username",
            who["username"], "--password", who["password"], "--job", str(who["job_id"]), "--events", str(events),
            "--first-serial", str(first_serial)]
    run = subprocess.run(argv, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                         text=True, timeout=3600)
    if run.returncode != 0:
        raise SystemExit(f"The {kind} phone failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def bench_database(kind: str, events: int) -> dict:
    from bench.databases import fresh_database
    from bench.processes import Gunicorn, server_environment
    from bench.report import progress

    progress(f"Fresh {kind} database…")
    url = fresh_database(kind, f"phone_backlog_{kind}")
    world = arrange(url)
    runs = {}
    with Gunicorn(server_environment(url), workers=2, log_name=f"phone_backlog-{kind}-gunicorn") as server:
        for n, run in enumerate(RUNS):
            progress(f"  {kind}: {run}, {events} entries…")
            runs[run] = measure(run, server.url, world[run], events, 10_000_000 * (n + 1))
            figures = runs[run]
            progress(f"    {figures['seconds']:.1f} s, {figures['requests']} requests, "
                     f"peak RSS {figures['peak_rss_mib']:.0f} MiB")
    engine, baseline = runs["engine"], runs["baseline"]
    if engine["status"] != "idle" or engine["waiting_after"] or engine["problems_after"]:
        raise SystemExit(f"The engine did not sync everything: {engine}")
    return {"db": kind, "events": events, "runs": runs, "ratio": engine["seconds"] / baseline["seconds"]}


def markdown_rows(results: list[dict]) -> str:
    rows = []
    for r in results:
        engine, traced, baseline = r["runs"]["engine"], r["runs"]["engine-tracemalloc"], r["runs"]["baseline"]
        rows.append(
            f"| {r['db']} | {r['events']:,} | {engine['requests']} | {engine['seconds']:.1f} "
            f"| {engine['http_seconds']:.1f} | {engine['seconds'] - engine['http_seconds']:.2f} "
            f"| {baseline['seconds']:.1f} | **{r['ratio']:.2f}** | {engine['peak_rss_mib']:.0f} "
            f"| {traced['tracemalloc_peak_mib']:.1f} |")
    return "\n".join(rows) + "\n"


HEADER = ("| db | entries | requests | engine s | of which in HTTP | on the phone, s | baseline s "
          "| engine / baseline | peak RSS MiB | tracemalloc peak MiB |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--phone", choices=RUNS, help=argparse.SUPPRESS)  # the phone's own process
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--username", help=argparse.SUPPRESS)
    parser.add_argument("--password", help=argparse.SUPPRESS)
    parser.add_argument("--job", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first-serial", type=int, default=10_000_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phone:
        print(json.dumps(phone_run(args.phone, args.url, args.username, args.password, args.job, args.events,
                                   args.first_serial)))
        return 0

    from bench.report import machine, machine_line, write_results

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [bench_database(kind, args.events) for kind in kinds]
    markdown = markdown_rows(results)
    json_path, _ = write_results("phone_backlog", {"results": results}, HEADER + markdown)
    print(f"\nMachine: {machine_line(machine())}")
    print(HEADER + markdown, end="")
    for r in results:
        engine, baseline = r["runs"]["engine"], r["runs"]["baseline"]
        print(f"{r['db']}: requests {engine['requests_by_path']}, {engine['cached_return_lines']} return lines "
              f"cached, queued offline in {engine['queued_offline_s']:.1f} s")
        for phase, path in (("push", "POST sync/push"), ("pull", "GET sync/pull")):
            print(f"  {phase}: engine {engine['phase_seconds'][phase]:.2f} s "
                  f"({engine['http_seconds_by_path'][path]:.2f} s in HTTP), "
                  f"baseline {baseline['phase_seconds'][phase]:.2f} s "
                  f"({baseline['http_seconds_by_path'][path]:.2f} s in HTTP)")
    print(f"\nRaw results: {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
