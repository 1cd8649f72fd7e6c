"""Data the benchmarks arrange: a catalogue, engineers, sites with installed items, jobs.

Bulk rows (parts, installed items) go in with plain INSERTs; jobs go through
the ORM so that the flush hook writes their change log, as the app's own
job service would.
"""

import itertools
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import FacilityKind, HolderKind, ItemStatus, JobStatus, Role
from common.protocol import PROTOCOL_VERSION
from server.models import Customer, Facility, Job, JobAssignment, PartNumber, SerialisedItem, Site, User

BENCH_PASSWORD = "bench-password-123"
SERIAL_PREFIX = "BX"
CHUNK = 5000


def now() -> datetime:
    return datetime.now(timezone.utc)


def add_facility(session: so.Session, code: str = "BHQ") -> Facility:
    f = Facility(code=code, name=f"Bench depot {code}", kind=FacilityKind.DEPOT,
                 capabilities=["stock", "cross_dock", "vendor_returns", "refurbish", "recycle"],
                 address=f"1 {code} Road, Manchester", latitude=53.463, longitude=-2.316,
                 daily_capacity_items=100000, processing_costs={})
    session.add(f)
    session.commit()
    return f


def part_row(i: int, prefix: str = "BP", serialised: bool = True) -> dict:
    return dict(
        part_number=f"{prefix}-{i:06d}", description=f"Bench part {i}", category="printer", vendor="Bench Vendor",
        serialised=serialised, serial_pattern=SERIAL_PREFIX + "[0-9]{8}" if serialised else None,
        new_price=Decimal("310.00"),
        refurbishment_cost=Decimal("45.00"), refurbishment_yield=0.85, residual_value=Decimal("60.00"),
        weight_kg=2.8, volume_l=9.0, hazardous=False, vendor_warranty_days=365, updated_at=now(),
    )


def add_parts(session: so.Session, count: int, prefix: str = "BP", start: int = 0, serialised: bool = True) -> list[int]:
    """`count` part numbers, inserted in bulk; their ids."""
    for first in range(start, start + count, CHUNK):
        rows = [part_row(i, prefix, serialised) for i in range(first, min(start + count, first + CHUNK))]
        session.execute(sa.insert(PartNumber.__table__), rows)
    session.commit()
    names = [f"{prefix}-{i:06d}" for i in range(start, start + count)]
    found = dict(session.execute(sa.select(PartNumber.part_number, PartNumber.id)
                                 .where(PartNumber.part_number.like(f"{prefix}-%"))).all())
    return [found[n] for n in names]


def add_engineers(session: so.Session, count: int, password_hash: str, home_facility_id: int,
                  prefix: str = "bench.eng") -> list[User]:
    users = [User(username=f"{prefix}{i:04d}", display_name=f"Bench Engineer {i}", role=Role.ENGINEER,
                  password_hash=password_hash, email=f"bench-eng{i}@fieldloop.example",
                  home_facility_id=home_facility_id)
             for i in range(count)]
    session.add_all(users)
    session.commit()
    return users


def add_dispatcher(session: so.Session, password_hash: str) -> User:
    user = User(username="bench.dispatcher", display_name="Bench Dispatcher", role=Role.DISPATCHER,
                password_hash=password_hash)
    session.add(user)
    session.commit()
    return user


def add_sites(session: so.Session, count: int, name: str = "Bench site") -> list[Site]:
    customer = Customer(name=f"{name} customer")
    sites = [Site(customer=customer, name=f"{name} {i}", address=f"{i} Bench Street, Manchester",
                  latitude=53.40 + (i % 97) * 0.002, longitude=-2.40 + (i % 89) * 0.003,
                  access_hours={d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                  contact_name="Sam Contact", contact_email="sam@customer.example")
             for i in range(count)]
    session.add_all(sites)
    session.commit()
    return sites


def add_installed_items(session: so.Session, part_id: int, site_ids: list[int], count: int,
                        first_serial: int = 0) -> list[tuple[int, str]]:
    """`count` installed items of one part, spread round-robin over the sites: (site id, serial) each."""
    placed = [(site_ids[i % len(site_ids)], f"{SERIAL_PREFIX}{first_serial + i:08d}") for i in range(count)]
    for first in range(0, count, CHUNK):
        rows = [dict(part_number_id=part_id, serial=serial, status=ItemStatus.INSTALLED,
                     location_kind=HolderKind.SITE, location_id=site_id, site_id=site_id,
                     installed_on=(now() - timedelta(days=200)).date(), updated_at=now())
                for site_id, serial in placed[first:first + CHUNK]]
        session.execute(sa.insert(SerialisedItem.__table__), rows)
    session.commit()
    return placed


def add_jobs(session: so.Session, pairs: list[tuple[int, int]], dispatcher_id: int | None) -> dict[tuple[int, int], int]:
    """One open job per (engineer id, site id), assigned through the ORM; their ids by pair."""
    counter = itertools.count(session.scalar(sa.select(sa.func.count(Job.id))) + 1)
    start = now().replace(minute=0, second=0, microsecond=0)
    jobs = {}
    for engineer_id, site_id in pairs:
        job = Job(reference=f"B-{next(counter):07d}", site_id=site_id, engineer_id=engineer_id,
                  summary="Replace bench part", window_start=start, window_end=start + timedelta(hours=2),
                  expected_parts=[], status=JobStatus.OPEN)
        session.add(job)
        jobs[(engineer_id, site_id)] = job
    session.flush()
    session.add_all([JobAssignment(job_id=job.id, engineer_id=engineer_id, assigned_at=start,
                                   assigned_by_id=dispatcher_id) for (engineer_id, _), job in jobs.items()])
    session.commit()
    return {pair: job.id for pair, job in jobs.items()}


def part_removed(seq: int, job_id: int, part_number: str, serial: str | None, at: datetime | None = None) -> dict:
    """A part_removed event as a phone sends it (no serial: a non-serialised part)."""
    payload = {"part_number": part_number, "condition": "faulty", "failure_code": "mechanical_wear"}
    if serial is not None:
        payload["serial"] = serial
    return {"id": str(uuid.uuid4()), "seq": seq, "type": "part_removed", "occurred_at": (at or now()).isoformat(),
            "job_id": job_id, "payload": payload}


def push_body(device_id: str, events: list[dict]) -> dict:
    return {"protocol_version": PROTOCOL_VERSION, "device_id": device_id, "sent_at": now().isoformat(),
            "events": events}
