"""Test data, made through the same models and services the app uses."""

import itertools
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask import current_app

from common.enums import FacilityKind, HolderKind, ItemStatus, Role
from server.models import Customer, Facility, PartNumber, SerialisedItem, Site, User
from server.services.work import jobs

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def now() -> datetime:
    return datetime.now(timezone.utc)


def next_weekday(after: date) -> date:
    """The first Monday-to-Friday day after ``after``: couriers plan working days only."""
    day = after + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def user(session, username: str, role: Role = Role.ENGINEER, password: str = PASSWORD, **fields) -> User:
    passwords = current_app.extensions["fieldloop.passwords"]
    u = User(username=username, display_name=fields.pop("display_name", username.title()), role=role,
             password_hash=passwords.hash(password), **fields)
    session.add(u)
    session.commit()
    return u


def facility(session, code: str = "TPK", kind: FacilityKind = FacilityKind.DEPOT,
             capabilities=("stock", "cross_dock", "vendor_returns"), latitude=53.463, longitude=-2.316, **fields) -> Facility:
    f = Facility(code=code, name=fields.pop("name", f"Facility {code}"), kind=kind, capabilities=list(capabilities),
                 address=fields.pop("address", f"{code} Road"), latitude=latitude, longitude=longitude, **fields)
    session.add(f)
    session.commit()
    return f


def part(session, part_number: str = "PRN-FUS-220", serialised: bool = True, serial_pattern: str | None = "AR[0-9]{8}",
         **fields) -> PartNumber:
    defaults = dict(description=f"Part {part_number}", category="printer", vendor="Arcadia Imaging",
                    new_price=Decimal("310"), refurbishment_cost=Decimal("45"), refurbishment_yield=0.85,
                    residual_value=Decimal("60"), weight_kg=2.8, volume_l=9.0, hazardous=False,
                    vendor_warranty_days=365)
    defaults.update(fields)
    p = PartNumber(part_number=part_number, serialised=serialised,
                   serial_pattern=serial_pattern if serialised else None, **defaults)
    session.add(p)
    session.commit()
    return p


def site(session, name: str = "Site", customer: str | None = None, latitude=53.48, longitude=-2.24, **fields) -> Site:
    c = Customer(name=customer or f"Customer {next(_counter)}")
    s = Site(customer=c, name=name, address=fields.pop("address", f"1 {name} Street, Manchester"),
             latitude=latitude, longitude=longitude,
             access_hours=fields.pop("access_hours", {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}),
             contact_name=fields.pop("contact_name", "Sam Contact"),
             contact_email=fields.pop("contact_email", "sam@customer.example"), **fields)
    session.add(s)
    session.commit()
    return s


def installed_item(session, part_: PartNumber, site_: Site, serial: str, days_ago: int = 200) -> SerialisedItem:
    item = SerialisedItem(part_number_id=part_.id, serial=serial, status=ItemStatus.INSTALLED,
                          location_kind=HolderKind.SITE, location_id=site_.id, site_id=site_.id,
                          installed_on=(now() - timedelta(days=days_ago)).date())
    session.add(item)
    session.commit()
    return item


def job(session, site_: Site, engineer: User | None, by: User, *, start: datetime | None = None, **fields):
    start = start or now().replace(minute=0, second=0, microsecond=0)
    return jobs.create_job(
        session,
        jobs.JobDraft(site_id=site_.id, engineer_id=engineer.id if engineer else None,
                      summary=fields.pop("summary", "Replace fuser"), window_start=start,
                      window_end=start + timedelta(hours=2), **fields),
        by,
    )


def event(kind: str, seq: int, job_id: int | None = None, occurred_at: datetime | None = None, **payload) -> dict:
    """A field event as a phone sends it."""
    return {
        "id": str(uuid.uuid4()),
        "seq": seq,
        "type": kind,
        "occurred_at": (occurred_at or now()).isoformat(),
        "job_id": job_id,
        "payload": payload,
    }
