"""Pull: an engineer's first full pull with a 20,000-part catalogue, and an incremental pull after 100 changes.

The server is gunicorn on loopback (JOB_RUNNER=manual). The engineer has
jobs at 20 sites (with their installed base) and carries 30 return lines
pushed through the API; 50 other engineers have jobs too, and their changes
fill the change log between the two pulls, as they would in the field.

Baseline, measured in the same run on the same database: one plain SELECT per
kind of record of exactly the rows and columns the pull delivers (joins
included: a site's customer name and installed items, a line's part number),
encoded with ``json.dumps``. The ratios say what the sync protocol costs over
reading the same records straight from the database: its scope rules, change
log, paging, cursor and envelope. Time is the median of ``--repeat`` runs.

    python -m bench.pull [--db postgres|sqlite] [--parts 20000] [--limit 500] [--repeat 5]
"""

import argparse
import json
import statistics
import time
import uuid

import requests
import sqlalchemy as sa

from bench.databases import bench_app, fresh_database
from bench.processes import Gunicorn, server_environment
from bench.report import machine, machine_line, progress, write_results
from bench.scenario import (
    BENCH_PASSWORD, add_dispatcher, add_engineers, add_facility, add_installed_items, add_jobs, add_parts, add_sites,
    part_removed, push_body,
)
from common.enums import ItemStatus
from server.config import database_url
from server.extensions import db
from server.models import Customer, Facility, Job, PartNumber, ReturnLine, SerialisedItem, Site
from server.services.sync.scope import job_in_scope, line_in_scope, site_in_scope

SITES = 20
ITEMS_PER_SITE = 6
CARRIED_LINES = 30
OTHER_ENGINEERS = 50
OTHER_CHANGES = 400
#: The 100 changes in the engineer's scope between the two pulls.
PART_CHANGES, JOB_CHANGES = 80, 20


def arrange(url: str, parts: int) -> dict:
    app = bench_app(url)
    with app.app_context():
        session = db.session
        facility = add_facility(session)
        part_ids = add_parts(session, parts)
        password_hash = app.extensions["fieldloop.passwords"].hash(BENCH_PASSWORD)
        dispatcher = add_dispatcher(session, password_hash)
        engineers = add_engineers(session, 1 + OTHER_ENGINEERS, password_hash, facility.id)
        sites = add_sites(session, SITES + OTHER_ENGINEERS)
        me, others = engineers[0], engineers[1:]
        items = add_installed_items(session, part_ids[0], [s.id for s in sites[:SITES]],
                                    SITES * ITEMS_PER_SITE + CARRIED_LINES)
        jobs = add_jobs(session, [(me.id, s.id) for s in sites[:SITES]]
                        + [(e.id, s.id) for e, s in zip(others, sites[SITES:])], dispatcher.id)
        world = {"username": me.username, "engineer_id": me.id, "part_ids": part_ids,
                 "my_jobs": [jobs[(me.id, s.id)] for s in sites[:SITES]],
                 "other_jobs": [jobs[(e.id, s.id)] for e, s in zip(others, sites[SITES:])],
                 "job_of_site": {s.id: jobs[(me.id, s.id)] for s in sites[:SITES]},
                 "carried": items[-CARRIED_LINES:]}
        db.engine.dispose()
    return world


class Phone:
    def __init__(self, base_url: str, username: str):
        self.base_url, self.http = base_url, requests.Session()
        self.device_id = f"bench-{uuid.uuid4().hex[:12]}"
        r = self.http.post(base_url + "/api/v1/auth/token", timeout=30,
                           json={"username": username, "password": BENCH_PASSWORD, "device_id": self.device_id})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def push(self, events: list[dict]) -> None:
        r = self.http.post(self.base_url + "/api/v1/sync/push", json=push_body(self.device_id, events), timeout=60)
        r.raise_for_status()
        assert {x["status"] for x in r.json()["results"]} == {"accepted"}, r.json()["results"][:2]

    def pull_all(self, cursor: str | None, limit: int) -> dict:
        """Pull until caught up; requests, bytes, seconds, changes by entity, and the last cursor."""
        requests_made = body_bytes = 0
        by_entity: dict[str, int] = {}
        started = time.perf_counter()
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            r = self.http.get(self.base_url + "/api/v1/sync/pull", params=params, timeout=120)
            r.raise_for_status()
            requests_made += 1
            body_bytes += len(r.content)
            page = r.json()
            for change in page["changes"]:
                by_entity[change["entity"]] = by_entity.get(change["entity"], 0) + 1
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        return {"requests": requests_made, "bytes": body_bytes, "seconds": time.perf_counter() - started,
                "changes": by_entity, "cursor": cursor}


# --- the baseline: the same records, straight from the database -------------------------------------------------


def raw_records(conn, engineer_id: int, only: dict[str, list] | None = None) -> dict[str, list[dict]]:
    """The rows and columns the pull delivers, one SELECT per kind (`only`: restrict to these keys)."""
    def keys(kind, column, query):
        return query if only is None else query.where(column.in_(only.get(kind, [])))

    parts = PartNumber.__table__.c
    facilities = Facility.__table__.c
    jobs = Job.__table__.c
    lines, sites, items = ReturnLine.__table__.c, Site.__table__.c, SerialisedItem.__table__.c
    queries = {
        "facility": keys("facility", facilities.id, sa.select(
            facilities.id, facilities.code, facilities.name, facilities.kind, facilities.address,
            facilities.latitude, facilities.longitude, facilities.capabilities)),
        "part": keys("part", parts.id, sa.select(
            parts.id, parts.part_number, parts.description, parts.category, parts.serialised, parts.serial_pattern,
            parts.hazardous, parts.weight_kg, parts.volume_l)),
        "site": keys("site", sites.id, sa.select(
            sites.id, Customer.__table__.c.name.label("customer_name"), sites.name, sites.address, sites.latitude,
            sites.longitude, sites.access_hours, sites.contact_name, sites.contact_phone, sites.contact_email)
            .join(Customer.__table__).where(site_in_scope(engineer_id))),
        "job": keys("job", jobs.id, sa.select(
            jobs.id, jobs.reference, jobs.site_id, jobs.status, jobs.summary, jobs.window_start, jobs.window_end,
            jobs.expected_parts).where(job_in_scope(engineer_id))),
        "return_line": keys("return_line", lines.id, sa.select(
            lines.id, parts.part_number, lines.serial, lines.quantity, lines.condition, lines.status, lines.job_id,
            lines.origin_site_id, lines.disposition, lines.travel_mode, lines.destination_facility_id)
            .join(PartNumber.__table__).where(line_in_scope(engineer_id))),
    }
    out = {kind: [dict(row._mapping) for row in conn.execute(query)] for kind, query in queries.items()}
    site_ids = [s["id"] for s in out["site"]]
    if site_ids:
        installed = conn.execute(
            sa.select(items.site_id, items.serial, parts.part_number, items.installed_on).join(PartNumber.__table__)
            .where(items.site_id.in_(site_ids), items.status == ItemStatus.INSTALLED.value)).all()
        by_site: dict[int, list] = {}
        for site_id, serial, part_number, installed_on in installed:
            by_site.setdefault(site_id, []).append({"serial": serial, "part_number": part_number,
                                                    "installed_on": installed_on})
        for site in out["site"]:
            site["installed"] = by_site.get(site["id"], [])
    return {kind: rows for kind, rows in out.items() if rows}


def baseline(engine, engineer_id: int, only=None) -> dict:
    started = time.perf_counter()
    with engine.connect() as conn:
        records = raw_records(conn, engineer_id, only)
    body = json.dumps(records, default=str).encode()
    return {"seconds": time.perf_counter() - started, "bytes": len(body),
            "records": {kind: len(rows) for kind, rows in records.items()}}


def median_of(runs: list[dict]) -> dict:
    out = dict(runs[0])
    out["seconds"] = statistics.median(r["seconds"] for r in runs)
    out["seconds_all"] = [round(r["seconds"], 4) for r in runs]
    return out


# --- changes between the pulls ------------------------------------------------------------------------------------


def make_changes(url: str, world: dict) -> dict[str, list]:
    """100 changes in the engineer's scope (catalogue and job edits) and OTHER_CHANGES outside it, via the ORM."""
    app = bench_app(url)
    with app.app_context():
        session = db.session
        step = max(1, len(world["part_ids"]) // PART_CHANGES)
        changed_parts = world["part_ids"][::step][:PART_CHANGES]
        for n, part in enumerate(session.scalars(sa.select(PartNumber).where(PartNumber.id.in_(changed_parts)))):
            part.description = f"{part.description} (rev {n})"
        for n, job in enumerate(session.scalars(sa.select(Job).where(Job.id.in_(world["my_jobs"][:JOB_CHANGES])))):
            job.summary = f"{job.summary}, rev {n}"
        session.commit()
        others = session.scalars(sa.select(Job).where(Job.id.in_(world["other_jobs"]))).all()
        for n in range(OTHER_CHANGES):
            job = others[n % len(others)]
            job.summary = f"Other engineer's job, rev {n}"
            if n % len(others) == len(others) - 1:
                session.commit()
        session.commit()
        db.engine.dispose()
    return {"part": changed_parts, "job": world["my_jobs"][:JOB_CHANGES]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--parts", type=int, default=20000)
    parser.add_argument("--limit", type=int, default=500, help="changes per pull page (the app's default)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    progress(f"Fresh {args.db} database with {args.parts:,} part numbers…")
    url = fresh_database(args.db, f"pull_{args.db}")
    world = arrange(url, args.parts)
    engine = sa.create_engine(database_url(url))
    results = {}
    with Gunicorn(server_environment(url), workers=args.workers, log_name=f"pull-{args.db}-gunicorn") as server:
        phone = Phone(server.url, world["username"])
        progress(f"The engineer pushes {CARRIED_LINES} removals (lines they carry)…")
        job_of_site = world["job_of_site"]
        phone.push([part_removed(seq, job_of_site[site], "BP-000000", serial)
                    for seq, (site, serial) in enumerate(world["carried"], start=1)])

        progress(f"First full pull, {args.repeat} times, pages of {args.limit}…")
        # Each run is followed by its baseline, so that both see the same machine.
        full, full_base = zip(*[(phone.pull_all(None, args.limit), baseline(engine, world["engineer_id"]))
                                for _ in range(args.repeat)])
        cursor = full[-1]["cursor"]
        if sum(full[0]["changes"].values()) != sum(full_base[0]["records"].values()):
            raise SystemExit(f"The pull and the baseline disagree: {full[0]['changes']} vs {full_base[0]['records']}")

        progress(f"{PART_CHANGES + JOB_CHANGES} changes in scope and {OTHER_CHANGES} outside it…")
        changed = make_changes(url, world)
        progress(f"Incremental pull, {args.repeat} times…")
        incremental, incremental_base = zip(*[
            (phone.pull_all(cursor, args.limit), baseline(engine, world["engineer_id"], only=changed))
            for _ in range(args.repeat)])
        if incremental[0]["changes"] != incremental_base[0]["records"]:
            raise SystemExit(f"The pull and the baseline disagree: {incremental[0]['changes']} vs "
                             f"{incremental_base[0]['records']}")
    engine.dispose()

    rows = []
    for name, pulls, base in (("first full pull", full, full_base), ("incremental after 100 changes", incremental,
                                                                       incremental_base)):
        p, b = median_of(pulls), median_of(base)
        results[name] = {"pull": {k: v for k, v in p.items() if k != "cursor"}, "baseline": b,
                         "time_ratio": p["seconds"] / b["seconds"], "bytes_ratio": p["bytes"] / b["bytes"]}
        records = sum(p["changes"].values())
        rows.append(f"| {args.db} | {name} | {records:,} | {p['requests']} | {p['bytes']:,} | {p['seconds'] * 1000:,.0f} "
                    f"| {b['bytes']:,} | {b['seconds'] * 1000:,.0f} | **{p['seconds'] / b['seconds']:.1f}×** "
                    f"| **{p['bytes'] / b['bytes']:.2f}×** |")
    markdown = "\n".join(rows) + "\n"
    json_path, _ = write_results(f"pull-{args.db}", {"db": args.db, "parts": args.parts, "limit": args.limit,
                                                     "repeat": args.repeat, **results}, markdown)
    print(f"\nMachine: {machine_line(machine())}")
    print("| db | pull | records | requests | bytes | ms | raw JSON bytes | raw SELECT+JSON ms | time ratio | bytes ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(markdown, end="")
    print(f"\nRaw results: {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
