"""Load: simulated phones pushing and pulling against the production set-up, then a count in the database.

The benchmark starts everything itself on loopback: a fresh PostgreSQL
database (migrated, demo data, plus one engineer with three jobs per phone),
``gunicorn --workers 4 'server:create_app()'`` with FIELDLOOP_ENV=production
and JOB_RUNNER=celery, and ``celery -A server.celery_worker worker`` on Redis
database 14. Engineers get a cheap password hash (PASSWORD_HASH_MEMORY_KIB=1024,
time cost 1), for the benchmark only.

Each phone is a thread with its own requests.Session, a closed loop: it logs
1–5 ``part_removed`` events (serialised items from its sites' installed base,
or a non-serialised part), pushes its outbox, pulls until caught up, then
waits 20–60 s divided by ``--compress``. Unanswered events stay in the outbox
and go with the next push, as in the app. Levels run one after another on the
same server (the first phones carry on); sign-in and each phone's first full
pull happen before a level's clock starts.

Baseline, same run, idle server: GET /api/v1/me and an empty (caught-up) pull
from 1 phone. Latency ratios are against the empty pull's p50.

Afterwards the outboxes are drained, the engine tasks are awaited, and the
database is counted: every event a phone created is stored exactly once as
accepted, has its return line, which the engine decided, and every engine task
is done. Any difference fails the run.

    python -m bench.load [--phones 100,300,1000] [--seconds 60] [--compress 5] [--workers 4]
"""

import argparse
import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import redis
import requests
import sqlalchemy as sa

from bench.databases import bench_app, fresh_database
from bench.processes import CeleryWorker, Gunicorn, server_environment
from bench.report import machine, machine_line, percentile, progress, write_results
from bench.scenario import (
    BENCH_PASSWORD, add_engineers, add_installed_items, add_jobs, add_parts, add_sites, part_removed, push_body,
)
from server.config import database_url
from server.demo import seed as demo
from server.extensions import db
from server.models import BackgroundTask, Facility, FieldEvent, ReturnLine, User
from server.services.accounts.passwords import Passwords

REDIS_DB = 14
JOBS_PER_PHONE = 3
ITEMS_PER_PHONE = 60
SERIALISED_PART, LOOSE_PART = "BP-000000", "BL-000000"
REQUEST_TIMEOUT_S = 60
WARMUP_PUSHES = 40
TASKS_TIMEOUT_S = 240


# --- the world ----------------------------------------------------------------------------------------------------


def arrange(url: str, phones: int) -> list[dict]:
    """Demo data, then per phone: an engineer, three sites with their installed items, a job at each."""
    app = bench_app(url)
    with app.app_context():
        session = db.session
        progress("  demo data…")
        demo.seed(session, Passwords(1024, 1), date.today())
        depot = session.scalar(sa.select(Facility).where(Facility.code == "TPK"))
        dispatcher = session.scalar(sa.select(User).where(User.username == "disp.dana"))
        add_parts(session, 1, prefix="BP")
        add_parts(session, 1, prefix="BL", serialised=False)
        part_id = session.scalar(sa.text("SELECT id FROM part_numbers WHERE part_number = :p"), {"p": SERIALISED_PART})
        progress(f"  {phones} engineers, {phones * JOBS_PER_PHONE} sites and jobs, "
                 f"{phones * ITEMS_PER_PHONE:,} installed items…")
        engineers = add_engineers(session, phones, app.extensions["fieldloop.passwords"].hash(BENCH_PASSWORD),
                                  depot.id)
        sites = add_sites(session, phones * JOBS_PER_PHONE, name="Load site")
        pairs = [(e.id, sites[i * JOBS_PER_PHONE + j].id) for i, e in enumerate(engineers) for j in range(JOBS_PER_PHONE)]
        jobs = add_jobs(session, pairs, dispatcher.id)
        world = []
        for i, engineer in enumerate(engineers):
            own_sites = [sites[i * JOBS_PER_PHONE + j].id for j in range(JOBS_PER_PHONE)]
            world.append({"username": engineer.username, "jobs": {s: jobs[(engineer.id, s)] for s in own_sites},
                          "items": []})
        placed = add_installed_items(session, part_id, [s.id for s in sites], phones * ITEMS_PER_PHONE)
        for site_id, serial in placed:
            world[(site_id - sites[0].id) // JOBS_PER_PHONE]["items"].append((site_id, serial))
        db.engine.dispose()
    return world


# --- a phone --------------------------------------------------------------------------------------------------------


class Phone:
    def __init__(self, base_url: str, plan: dict, rng: random.Random, record):
        self.base_url, self.plan, self.rng, self.record = base_url, plan, rng, record
        self.http = requests.Session()
        self.device_id = f"load-{uuid.uuid4().hex[:16]}"
        self.seq = 0
        self.cursor: str | None = None
        self.outbox: list[dict] = []
        self.created: list[str] = []
        self.answered: dict[str, str] = {}
        self.items = list(plan["items"])

    def sign_in(self) -> float:
        r = self.http.post(self.base_url + "/api/v1/auth/token", timeout=REQUEST_TIMEOUT_S, json={
            "username": self.plan["username"], "password": BENCH_PASSWORD, "device_id": self.device_id})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        started = time.perf_counter()
        self.pull(record=False)
        return time.perf_counter() - started

    def log_events(self) -> None:
        for _ in range(self.rng.randint(1, 5)):
            self.seq += 1
            if self.items and self.rng.random() < 0.5:
                site_id, serial = self.items.pop()
                event = part_removed(self.seq, self.plan["jobs"][site_id], SERIALISED_PART, serial)
            else:
                event = part_removed(self.seq, self.rng.choice(list(self.plan["jobs"].values())), LOOSE_PART, None)
            self.outbox.append(event)
            self.created.append(event["id"])

    def push(self, record: bool = True) -> bool:
        if not self.outbox:
            return True
        batch = self.outbox[:500]
        started = time.perf_counter()
        try:
            r = self.http.post(self.base_url + "/api/v1/sync/push", json=push_body(self.device_id, batch),
                               timeout=REQUEST_TIMEOUT_S)
            ok = r.status_code == 200
            results = r.json()["results"] if ok else []
        except (requests.RequestException, ValueError):
            ok, results = False, []
        elapsed = time.perf_counter() - started
        for result in results:
            self.answered[result["id"]] = result["status"]
        done = {x["id"] for x in results}
        self.outbox = [e for e in self.outbox if e["id"] not in done]
        accepted = sum(x["status"] == "accepted" for x in results)
        if record:
            self.record("push", started, elapsed, ok, accepted)
        return ok

    def pull(self, record: bool = True) -> bool:
        while True:
            started = time.perf_counter()
            try:
                params = {"cursor": self.cursor} if self.cursor else {}
                r = self.http.get(self.base_url + "/api/v1/sync/pull", params=params, timeout=REQUEST_TIMEOUT_S)
                ok = r.status_code == 200
                page = r.json() if ok else None
            except (requests.RequestException, ValueError):
                ok, page = False, None
            if record:
                self.record("pull", started, time.perf_counter() - started, ok, 0)
            if not ok:
                return False
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return True

    def run(self, stop: threading.Event, compress: float) -> None:
        stop.wait(self.rng.uniform(0, 20 / compress))  # phones do not start in step
        while not stop.is_set():
            self.log_events()
            self.push()
            self.pull()
            stop.wait(self.rng.uniform(20, 60) / compress)


# --- measuring ------------------------------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds used by the gunicorn workers, the Celery processes, the database's backends and this client."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, gunicorn_pid: int, celery_pid: int, url: str):
        self.groups = {"gunicorn": gunicorn_pid, "celery": celery_pid}
        self.engine = sa.create_engine(database_url(url))
        self.database = sa.make_url(database_url(url)).database

    @classmethod
    def _cpu(cls, pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / cls.TICKS
        except (OSError, IndexError, ValueError):
            return 0.0

    @staticmethod
    def _family(pid: int) -> list[int]:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [pid] + [int(c) for c in f.read().split()]
        except OSError:
            return [pid]

    def sample(self) -> dict[str, dict[int, float]]:
        with self.engine.connect() as conn:
            backends = conn.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> "
                                            "pg_backend_pid()"), {"d": self.database}).all()
        out = {name: {p: self._cpu(p) for p in self._family(pid)} for name, pid in self.groups.items()}
        out["postgres"] = {p: self._cpu(p) for p in backends}
        out["client"] = {os.getpid(): sum(os.times()[:2])}
        out["machine"] = {0: self._machine_busy()}
        return out

    @classmethod
    def _machine_busy(cls) -> float:
        """CPU seconds the whole machine spent busy (all processes, all cores) since boot."""
        with open("/proc/stat") as f:
            user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
        return (user + nice + system + irq + softirq + steal) / cls.TICKS

    def since(self, before: dict) -> dict[str, float]:
        """CPU seconds by group since `before`; "other" is what the rest of the machine used."""
        now = self.sample()
        used = {name: round(sum(v - before[name].get(p, 0.0) for p, v in pids.items()), 2)
                for name, pids in now.items()}
        machine = used.pop("machine")
        used["other"] = round(machine - sum(used.values()), 2)
        return used



class Recorder:
    def __init__(self):
        self.samples: list[tuple[str, float, float, bool, int]] = []

    def __call__(self, kind, started, elapsed, ok, accepted) -> None:
        self.samples.append((kind, started, elapsed, ok, accepted))

    def summary(self, since: float, until: float) -> dict:
        window = until - since
        inside = [s for s in self.samples if since <= s[1] and s[1] + s[2] <= until]
        out = {"seconds": window, "requests_per_s": len(inside) / window,
               "events_per_s": sum(s[4] for s in inside) / window,
               "errors": sum(not s[3] for s in inside)}
        for kind in ("push", "pull"):
            ms = [s[2] * 1000 for s in inside if s[0] == kind and s[3]]
            out[kind] = {"count": len(ms), "p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95),
                         "p99_ms": percentile(ms, 0.99)}
        return out


def baseline(base_url: str, url: str, plan: dict, requests_each: int = 200) -> tuple[dict, Phone]:
    """Latency of GET /me and of an empty pull from one phone on the idle server, after a warm-up.

    The warm-up (WARMUP_PUSHES pushes and pulls) lets every worker make its first connections
    (database, Redis) and compile its statements, which the first pushes of a fresh server pay.
    """
    phone = Phone(base_url, plan, random.Random(0), lambda *a: None)
    phone.sign_in()
    for _ in range(WARMUP_PUSHES):
        phone.log_events()
        phone.push(record=False)
        phone.pull(record=False)
    wait_for_tasks(url, TASKS_TIMEOUT_S)  # the engine's decisions reach the phone too
    phone.pull(record=False)
    me, empty = [], []
    for _ in range(requests_each):
        started = time.perf_counter()
        phone.http.get(base_url + "/api/v1/me", timeout=REQUEST_TIMEOUT_S).raise_for_status()
        me.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        r = phone.http.get(base_url + "/api/v1/sync/pull", params={"cursor": phone.cursor}, timeout=REQUEST_TIMEOUT_S)
        r.raise_for_status()
        if r.json()["changes"]:
            raise RuntimeError("the baseline pull was not empty")
        empty.append((time.perf_counter() - started) * 1000)
        phone.cursor = r.json()["cursor"]
    return {"me_p50_ms": percentile(me, 0.5), "me_p99_ms": percentile(me, 0.99),
            "empty_pull_p50_ms": percentile(empty, 0.5), "empty_pull_p99_ms": percentile(empty, 0.99)}, phone


# --- checking -------------------------------------------------------------------------------------------------------


def wait_for_tasks(url: str, timeout_s: float) -> None:
    app = bench_app(url)
    deadline = time.monotonic() + timeout_s
    with app.app_context():
        while True:
            waiting = db.session.scalar(sa.select(sa.func.count()).where(BackgroundTask.status.in_(["pending", "running"])))
            db.session.rollback()
            if not waiting or time.monotonic() > deadline:
                break
            progress(f"  {waiting} engine tasks still waiting…")
            time.sleep(3)
        db.engine.dispose()


def verify(url: str, phones: list[Phone]) -> dict:
    """Count in the database; raise if any event is missing, doubled, not accepted, or without a decided line."""
    created = [event_id for phone in phones for event_id in phone.created]
    unanswered = sum(len(phone.outbox) for phone in phones)
    not_accepted = [i for phone in phones for i, status in phone.answered.items() if status != "accepted"]
    ids = [uuid.UUID(i) for i in created]
    app = bench_app(url)
    counts = {"events_created": len(created), "unanswered_after_drain": unanswered,
              "answered_other_than_accepted": len(not_accepted)}
    with app.app_context():
        session = db.session
        stored = accepted = lines = decided = 0
        for first in range(0, len(ids), 5000):
            chunk = ids[first:first + 5000]
            stored += session.scalar(sa.select(sa.func.count()).where(FieldEvent.id.in_(chunk)))
            accepted += session.scalar(sa.select(sa.func.count()).where(FieldEvent.id.in_(chunk),
                                                                        FieldEvent.status == "accepted"))
            lines += session.scalar(sa.select(sa.func.count()).where(ReturnLine.id.in_(chunk)))
            decided += session.scalar(sa.select(sa.func.count()).where(ReturnLine.id.in_(chunk),
                                                                       ReturnLine.decided_at.is_not(None)))
        rows_per_event = session.execute(sa.text(
            "SELECT count(*), count(DISTINCT id) FROM field_events WHERE device_id IN "
            "(SELECT id FROM devices WHERE device_uid LIKE 'load-%')")).one()
        tasks = dict(session.execute(sa.select(BackgroundTask.status, sa.func.count())
                                     .where(BackgroundTask.name == "decide_return_lines")
                                     .group_by(BackgroundTask.status)).all())
        db.engine.dispose()
    counts.update({"field_events_stored": stored, "field_events_accepted": accepted, "return_lines": lines,
                   "return_lines_decided": decided, "field_event_rows": rows_per_event[0],
                   "distinct_field_event_ids": rows_per_event[1], "engine_tasks": tasks})
    problems = []
    if unanswered or not_accepted:
        problems.append(f"{unanswered} events never answered, {len(not_accepted)} answered other than accepted")
    if not (stored == accepted == lines == len(created)):
        problems.append(f"{len(created)} events created, {stored} stored, {accepted} accepted, {lines} return lines")
    if rows_per_event[0] != rows_per_event[1] or rows_per_event[0] != len(created):
        problems.append(f"field_events rows {rows_per_event[0]}, distinct ids {rows_per_event[1]}, "
                        f"created {len(created)}")
    if decided != len(created):
        problems.append(f"{len(created) - decided} return lines were never decided by the engine")
    if set(tasks) != {"done"}:
        problems.append(f"engine tasks not all done: {tasks}")
    if problems:
        raise SystemExit("LOAD TEST FAILED THE COUNT:\n  " + "\n  ".join(problems) + f"\n{counts}")
    return counts


# --- the run --------------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", default="100,300,1000", help="phone counts, one level each")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per level")
    parser.add_argument("--compress", type=float, default=5, help="time compression of the 20–60 s rhythm")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.phones.split(",")]
    if max(levels) > 2000 or args.seconds > 300:
        raise SystemExit("At most 2,000 phones and 300 s per level.")
    run_started = time.monotonic()

    progress(f"Fresh PostgreSQL database for {max(levels)} phones…")
    url = fresh_database("postgres", "load")
    plans = arrange(url, max(levels) + 1)  # the last engineer's phone warms up and measures the baseline
    broker = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(broker).flushdb()
    env = server_environment(url, FIELDLOOP_ENV="production", JOB_RUNNER="celery", CELERY_BROKER_URL=broker)
    rng = random.Random(args.seed)
    record = Recorder()
    phones: list[Phone] = []
    results = {"levels": {}}
    with CeleryWorker(env, concurrency=args.celery_concurrency, log_name="load-celery") as celery, \
            Gunicorn(env, workers=args.workers, log_name="load-gunicorn") as server:
        cpu = CpuMeter(server.proc.pid, celery.proc.pid, url)
        progress(f"Warm-up ({WARMUP_PUSHES} pushes and pulls), then the baseline: 200 × GET /me and 200 × empty "
                 "pull, one phone, idle server…")
        base, warmup_phone = baseline(server.url, url, plans[-1])
        results["baseline"] = base
        progress(f"  /me p50 {base['me_p50_ms']:.1f} ms, empty pull p50 {base['empty_pull_p50_ms']:.1f} ms")
        for level in levels:
            new = [Phone(server.url, plan, random.Random(rng.random()), record) for plan in plans[len(phones):level]]
            progress(f"{level} phones: signing in {len(new)} new ones and pulling their first snapshot…")
            with ThreadPoolExecutor(16) as pool:
                first_pulls = list(pool.map(lambda p: p.sign_in(), new))
            phones += new
            stop = threading.Event()
            threads = [threading.Thread(target=p.run, args=(stop, args.compress), daemon=True) for p in phones]
            started = time.perf_counter()
            for t in threads:
                t.start()
            cpu_before = cpu.sample()
            while time.perf_counter() - started < args.seconds:
                slice_start = time.perf_counter()
                time.sleep(min(10, args.seconds - (slice_start - started)))
                done = [s for s in record.samples if s[1] >= started]
                recent = [s[2] * 1000 for s in done if s[1] + s[2] >= slice_start and s[3]]  # answered lately
                progress(f"  {time.perf_counter() - started:4.0f} s: {len(done)} requests, "
                         f"{sum(s[4] for s in done)} events accepted, {sum(not s[3] for s in done)} errors; "
                         f"answered in the last 10 s: p50 {percentile(recent, 0.5):.0f} ms, "
                         f"p95 {percentile(recent, 0.95):.0f} ms")
            until = time.perf_counter()
            cpu_used = cpu.since(cpu_before)
            stop.set()
            for t in threads:
                t.join(timeout=REQUEST_TIMEOUT_S * 3)
            summary = record.summary(started, until)
            summary["first_full_pull_p50_ms"] = percentile([s * 1000 for s in first_pulls], 0.5) if first_pulls else None
            summary["cpu_seconds"] = cpu_used
            summary["requests_answered"] = answered = sum(
                1 for s in record.samples if started <= s[1] and s[1] + s[2] <= until)
            summary["cpu_ms_per_request"] = {k: 1000 * v / max(1, answered) for k, v in cpu_used.items()}
            summary["samples"] = [(k, round(t - started, 3), round(e * 1000, 1), ok)
                                  for k, t, e, ok, _ in record.samples if started <= t < until]
            results["levels"][level] = summary
            progress(f"  {summary['requests_per_s']:.0f} requests/s, {summary['events_per_s']:.0f} events/s; push p50 "
                     f"{summary['push']['p50_ms']:.0f} ms p99 {summary['push']['p99_ms']:.0f} ms; pull p50 "
                     f"{summary['pull']['p50_ms']:.0f} ms p99 {summary['pull']['p99_ms']:.0f} ms")
            progress("  CPU ms per request: " + ", ".join(f"{k} {v:.1f}" for k, v in
                                                       summary["cpu_ms_per_request"].items()))
        progress("Draining every outbox…")
        for attempt in range(5):
            waiting = [p for p in phones if p.outbox]
            if not waiting:
                break
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda p: p.push(record=False), waiting))
        progress("Waiting for the engine tasks (Celery)…")
        wait_for_tasks(url, TASKS_TIMEOUT_S)
    progress("Counting in the database…")
    results["verification"] = verify(url, phones + [warmup_phone])
    results.update({"compress": args.compress, "workers": args.workers, "seconds": args.seconds,
                    "celery_concurrency": args.celery_concurrency,
                    "run_seconds": time.monotonic() - run_started})

    ref = base["empty_pull_p50_ms"]
    lines = []
    for level, s in results["levels"].items():
        lines.append(
            f"| {level} | {s['requests_per_s']:.0f} | {s['events_per_s']:.0f} | {s['push']['p50_ms']:.0f} / "
            f"{s['push']['p95_ms']:.0f} / {s['push']['p99_ms']:.0f} | {s['pull']['p50_ms']:.0f} / "
            f"{s['pull']['p95_ms']:.0f} / {s['pull']['p99_ms']:.0f} | {s['push']['p50_ms'] / ref:.1f}× / "
            f"{s['push']['p99_ms'] / ref:.1f}× | {s['pull']['p50_ms'] / ref:.1f}× / {s['pull']['p99_ms'] / ref:.1f}× "
            f"| {s['errors']} |")
    markdown = "\n".join(lines) + "\n"
    cores = os.cpu_count()
    cpu_lines = [
        f"| {level} | {s['seconds'] * cores:.0f} | " + " | ".join(
            f"{s['cpu_seconds'][k]:.0f} ({s['cpu_ms_per_request'][k]:.1f})"
            for k in ("gunicorn", "celery", "postgres", "client", "other")) + " |"
        for level, s in results["levels"].items()]
    cpu_markdown = "\n".join(cpu_lines) + "\n"
    json_path, _ = write_results("load", results, markdown + "\n" + cpu_markdown)
    v = results["verification"]
    print(f"\nMachine: {machine_line(machine())}")
    print(f"Baseline (1 phone, idle): GET /me p50 {base['me_p50_ms']:.1f} ms; empty pull p50 {ref:.1f} ms")
    print("| phones | requests/s | events/s | push p50 / p95 / p99 ms | pull p50 / p95 / p99 ms "
          "| push p50 / p99 ÷ empty pull p50 | pull p50 / p99 ÷ empty pull p50 | errors |")
    print("|---:|---:|---:|---|---|---|---|---:|")
    print(markdown, end="")
    print(f"\nCPU seconds used during each level (ms per request), out of seconds × {cores} cores:")
    print("| phones | available | gunicorn | celery | postgres | client | other work on the machine |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(cpu_markdown, end="")
    print(f"\nCounted in the database: {v['events_created']:,} events created = {v['field_events_stored']:,} stored "
          f"once = {v['return_lines']:,} return lines = {v['return_lines_decided']:,} decided; engine tasks "
          f"{v['engine_tasks']}.")
    print(f"Whole run: {results['run_seconds']:.0f} s. Raw results: {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
