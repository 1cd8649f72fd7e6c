"""Builds the deterministic demo data set (server/demo/data.py) in an empty database.

The same date gives the same data: every random choice comes from one seeded
generator; jobs are placed on the next weekday. The weeks of history before it
come from the simulation (server/demo/simulation.py), which ``seed-demo`` runs next.
"""

import random
import string
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import FacilityKind, HolderKind, ItemStatus, Role
from server.demo import data
from server.demo.stock import seed_stock
from server.models import Customer, Facility, PartNumber, SerialisedItem, Site, User, Vehicle
from server.services.work import jobs
from server.services.accounts.passwords import Passwords

DEMO_PASSWORD = "fieldloop-demo"
SEED = 20261125
#: Weekdays of simulated past activity that ``seed-demo`` adds, ending today: three weeks.
HISTORY_WEEKDAYS = 15
#: Route search time per simulated evening of that history: enough for the demo's small rounds.
HISTORY_PLANNER_SECONDS = 0.3
LOCAL_TZ = ZoneInfo("Europe/London")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]

SERIAL_FORMATS = {
    "Arcadia Imaging": ("AR", "[0-9]{8}", string.digits, 8),
    "Netvale": ("NV", "[A-Z0-9]{10}", string.ascii_uppercase + string.digits, 10),
    "Medora": ("MD", "[0-9]{8}", string.digits, 8),
    "Tillwise": ("TW", "[0-9]{9}", string.digits, 9),
    "Vaultec": ("VT", "[A-Z0-9]{10}", string.ascii_uppercase + string.digits, 10),
    "Voltara": ("VL", "[0-9]{8}", string.digits, 8),
}


def serial_pattern(vendor: str) -> str:
    prefix, body, _, _ = SERIAL_FORMATS[vendor]
    return prefix + body


def make_serial(rng: random.Random, vendor: str) -> str:
    prefix, _, alphabet, length = SERIAL_FORMATS[vendor]
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def seed(session: so.Session, passwords: Passwords, today: date | None = None,
         progress: Callable[[str], None] = lambda _: None) -> str:
    rng = random.Random(SEED)
    today = today or datetime.now(LOCAL_TZ).date()

    progress("Facilities and catalogue…")
    facilities = _facilities(session)
    _vehicles(session, facilities)
    parts = _catalogue(session)
    progress("Customers, sites and installed base…")
    sites = _sites(session, rng)
    items = _installed_base(session, rng, sites, parts, today)
    session.commit()

    progress("People…")
    depot = facilities["TPK"]
    password_hash = passwords.hash(DEMO_PASSWORD)
    engineers = [
        User(username=u, display_name=n, phone=p, role=Role.ENGINEER, password_hash=password_hash,
             email=f"{u.replace('.', '-')}@fieldloop.example", home_facility_id=depot.id)
        for u, n, p in data.ENGINEERS
    ]
    staff = [
        User(username=u, display_name=n, role=role, password_hash=password_hash,
             email=f"{u.replace('.', '-')}@fieldloop.example")
        for role, people in ((Role.DISPATCHER, data.DISPATCHERS), (Role.ADMIN, data.ADMINS))
        for u, n in people
    ]
    session.add_all(engineers + staff)
    session.commit()

    progress("Stock at the facilities and in the vans…")
    seed_stock(session, facilities, parts, engineers, today)
    session.commit()

    progress("Jobs for the next weekday…")
    job_count = _jobs(session, rng, weekday_after(today), sites, items, engineers, staff[0])
    return (
        f"Seeded {len(facilities)} facilities, {len(parts)} part numbers, {len(sites)} sites, "
        f"{len(items)} installed items, {len(engineers)} engineers and {job_count} jobs."
    )


def demo_logins(session: so.Session, passwords: Passwords) -> list[tuple[str, str, str]]:
    """The active users who still sign in with the demo password (nobody else: users created or
    passwords changed since the seed are not theirs to print)."""
    users = session.scalars(sa.select(User).where(User.active).order_by(User.role, User.username)).all()
    checked: dict[str, bool] = {}  # the seed gives every demo user the same hash: verify it once
    for user in users:
        if user.password_hash not in checked:
            checked[user.password_hash] = passwords.verify(user.password_hash, DEMO_PASSWORD)
    return [(u.username, str(u.role), u.display_name) for u in users if checked[u.password_hash]]


def _facilities(session) -> dict[str, Facility]:
    out = {}
    for code, name, kind, caps, address, lat, lon, capacity, costs, fed_by in data.FACILITIES:
        out[code] = Facility(
            code=code, name=name, kind=FacilityKind(kind), capabilities=caps, address=address, latitude=lat,
            longitude=lon, daily_capacity_items=capacity, processing_costs=costs,
            bench_hours_per_weekday=data.BENCH_HOURS_PER_WEEKDAY.get(code, 0.0),
        )
        session.add(out[code])
    session.flush()
    for code, *_, fed_by in data.FACILITIES:
        if fed_by:
            out[code].fed_by_id = out[fed_by].id
    return out


def _vehicles(session, facilities: dict[str, Facility]) -> None:
    for name, depot, kg, litres, start, end in data.VEHICLES:
        session.add(Vehicle(name=name, depot_id=facilities[depot].id, capacity_weight_kg=kg, capacity_volume_l=litres,
                            shift_start=time.fromisoformat(start), shift_end=time.fromisoformat(end)))


def _catalogue(session) -> dict[str, PartNumber]:
    out = {}
    for (pn, description, category, vendor, serialised, price, refurb, yield_, residual, weight, volume,
         hazardous, warranty, _, _) in data.PARTS:
        out[pn] = PartNumber(
            part_number=pn, description=description, category=category, vendor=vendor, serialised=serialised,
            serial_pattern=serial_pattern(vendor) if serialised else None, new_price=Decimal(price),
            refurbishment_cost=Decimal(refurb), refurbishment_yield=yield_, residual_value=Decimal(residual),
            weight_kg=weight, volume_l=volume, hazardous=hazardous, vendor_warranty_days=warranty,
        )
        if pn in data.CO2E:
            out[pn].embodied_co2e_kg, out[pn].material_recovery_share = data.CO2E[pn]
        session.add(out[pn])
    session.flush()
    return out


def _sites(session, rng: random.Random) -> list[tuple[Site, str]]:
    sites = []
    towns = list(data.TOWNS)
    rng.shuffle(towns)
    town_cycle = iter(towns * 4)
    for name, category, count, (opens, closes) in data.CUSTOMERS:
        customer = Customer(name=name)
        session.add(customer)
        for _ in range(count):
            town, district, lat, lon = next(town_cycle)
            contact = f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"
            hours = {day: [[opens, closes]] for day in WEEKDAYS}
            if category in ("pos", "medical"):
                hours["sat"] = [["09:00", "13:00"]]
            site = Site(
                customer=customer,
                name=f"{name} — {town}",
                address=f"{rng.randint(2, 240)} {rng.choice(data.STREETS)}, {town}, {district} {rng.randint(1, 9)}"
                        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                postcode=district,
                latitude=round(lat + rng.uniform(-0.012, 0.012), 6),
                longitude=round(lon + rng.uniform(-0.018, 0.018), 6),
                access_hours=hours,
                contact_name=contact,
                contact_email=f"{contact.split()[0].lower()}.{contact.split()[1].lower()}@"
                              f"{name.lower().replace(' ', '').replace('&', 'and').replace('é', 'e')[:18]}.example",
                contact_phone=f"0161 496 {rng.randint(0, 9999):04d}",
            )
            session.add(site)
            sites.append((site, category))
    session.flush()
    return sites


def _installed_base(session, rng, sites, parts, today: date) -> list[SerialisedItem]:
    items = []
    for site, category in sites:
        for pn, most in data.INSTALLED_MIX[category]:
            part = parts[pn]
            for _ in range(rng.randint(1, most)):
                item = SerialisedItem(
                    part_number_id=part.id, serial=make_serial(rng, part.vendor), status=ItemStatus.INSTALLED,
                    location_kind=HolderKind.SITE, location_id=site.id, site_id=site.id,
                    installed_on=today - timedelta(days=rng.randint(20, 1100)),
                )
                item.part = part
                session.add(item)
                items.append(item)
    session.flush()
    return items


def weekday_after(day: date) -> date:
    """The first Monday-to-Friday day after `day`."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _jobs(session, rng, day: date, sites, items, engineers, dispatcher) -> int:
    by_site: dict[int, list[SerialisedItem]] = {}
    for item in items:
        by_site.setdefault(item.site_id, []).append(item)
    count = 0
    site_pool = [s for s, _ in sites]
    rng.shuffle(site_pool)
    queue = iter(site_pool)
    for engineer in engineers:
        start_hour = 8
        for _ in range(rng.randint(2, 3)):
            site = next(queue)
            item = rng.choice(by_site[site.id])
            action = "collect" if rng.random() < 0.25 else "replace"
            summary = data.JOB_SUMMARIES[action].format(description=item.part.description.lower(),
                                                        part_number=item.part.part_number)
            start = datetime.combine(day, time(start_hour), LOCAL_TZ)
            jobs.create_job(
                session,
                jobs.JobDraft(
                    site_id=site.id, engineer_id=engineer.id, summary=summary, window_start=start,
                    window_end=start + timedelta(hours=2),
                    expected_parts=[{"part_number": item.part.part_number, "quantity": 1, "action": action}],
                ),
                by=dispatcher,
            )
            start_hour += 3
            count += 1
    return count
