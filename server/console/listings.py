"""The console's read side: what each page lists, loaded in a fixed number of queries
whatever the number of rows (related records are joined or loaded in one batch)."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import (
    DeliveryStatus, Disposition, HolderKind, JobStatus, PickupStatus, ReservationStatus, ReturnStatus, ReviewStatus,
    Role,
)
from server.console.paging import Page, paginate
from server.logistics.states import CLOSED_RETURN_STATUSES
from server.models import (
    CourierPlan, CourierRoute, CourierStop, CustodyEntry, Customer, Delivery, Device, DispositionRecord, Facility, Job,
    PartNumber, Pickup, Replacement, Reservation, ReturnLine, ReviewItem, Site, User, Vehicle,
)
from server.services.returns.engine import facility_options
from server.services.returns.figures import AGE_BUCKETS as FIGURE_AGE_BUCKETS

#: The returns list filters by the overview's age buckets: label → days since removal (from, to), inclusive.
AGE_BUCKETS = {label: (low, high) for low, high, label in FIGURE_AGE_BUCKETS}


@dataclass(frozen=True)
class ReturnFilters:
    text: str = ""
    status: ReturnStatus | None = None
    disposition: Disposition | None = None
    site_id: int | None = None
    engineer_id: int | None = None
    part_number: str = ""
    age: str = ""
    overdue_only: bool = False


@dataclass(frozen=True)
class ReturnRow:
    line: ReturnLine
    engineer: str
    holder: str


def returns_page(session: so.Session, filters: ReturnFilters, number: int, now: datetime) -> Page:
    query = (
        sa.select(ReturnLine, User.display_name)
        .join(User, User.id == ReturnLine.removed_by_id)
        .join(PartNumber, PartNumber.id == ReturnLine.part_number_id)
        .join(Site, Site.id == ReturnLine.origin_site_id)
        .options(so.contains_eager(ReturnLine.part), so.contains_eager(ReturnLine.origin_site))
        .order_by(ReturnLine.created_at.desc(), ReturnLine.id)
    )
    query = _filtered(query, filters, now)
    page = paginate(session, query, number)
    holders = holder_names(session, [line for line, _ in page.rows])
    rows = [ReturnRow(line, engineer, holders.get((line.holder_kind, line.holder_id), "—")) for line, engineer in page.rows]
    return Page(rows, page.number, page.per_page, page.total)


def returns_for_export(session: so.Session, filters: ReturnFilters, now: datetime) -> list[ReturnRow]:
    query = (
        sa.select(ReturnLine, User.display_name)
        .join(User, User.id == ReturnLine.removed_by_id)
        .join(PartNumber, PartNumber.id == ReturnLine.part_number_id)
        .join(Site, Site.id == ReturnLine.origin_site_id)
        .options(so.contains_eager(ReturnLine.part), so.contains_eager(ReturnLine.origin_site))
        .order_by(ReturnLine.created_at, ReturnLine.id)
    )
    pairs = session.execute(_filtered(query, filters, now)).unique().all()
    holders = holder_names(session, [line for line, _ in pairs])
    return [ReturnRow(line, engineer, holders.get((line.holder_kind, line.holder_id), "")) for line, engineer in pairs]


def _filtered(query: sa.Select, f: ReturnFilters, now: datetime) -> sa.Select:
    if f.text:
        pattern = f"%{f.text.lower()}%"
        query = query.where(sa.or_(
            sa.func.lower(ReturnLine.serial).like(pattern),
            sa.func.lower(PartNumber.part_number).like(pattern),
            sa.func.lower(PartNumber.description).like(pattern),
            sa.func.lower(Site.name).like(pattern),
        ))
    if f.status is not None:
        query = query.where(ReturnLine.status == f.status)
    if f.disposition is not None:
        query = query.where(ReturnLine.disposition == f.disposition)
    if f.site_id is not None:
        query = query.where(ReturnLine.origin_site_id == f.site_id)
    if f.engineer_id is not None:
        query = query.where(ReturnLine.removed_by_id == f.engineer_id)
    if f.part_number:
        query = query.where(sa.func.lower(PartNumber.part_number) == f.part_number.strip().lower())
    if f.age in AGE_BUCKETS:
        low, high = AGE_BUCKETS[f.age]
        query = query.where(ReturnLine.removed_at <= now - timedelta(days=low),
                            ReturnLine.removed_at > now - timedelta(days=min(high, 36_500) + 1))
    if f.overdue_only:
        query = query.where(ReturnLine.overdue_since.is_not(None))
    return query


def holder_names(session: so.Session, lines: list[ReturnLine]) -> dict[tuple[HolderKind, int | None], str]:
    """Who holds each line, by (kind, id): one query per kind of holder present."""
    wanted: dict[HolderKind, set[int]] = {}
    for line in lines:
        if line.holder_id is not None:
            wanted.setdefault(line.holder_kind, set()).add(line.holder_id)
    names: dict[tuple[HolderKind, int | None], str] = {(HolderKind.COURIER, None): "Courier"}
    sources = {HolderKind.ENGINEER: (User.id, User.display_name), HolderKind.FACILITY: (Facility.id, Facility.name),
               HolderKind.SITE: (Site.id, Site.name)}
    for kind, ids in wanted.items():
        if kind not in sources:
            continue
        key, name = sources[kind]
        for holder_id, holder_name in session.execute(sa.select(key, name).where(key.in_(ids))):
            names[(kind, holder_id)] = holder_name
    return names


@dataclass(frozen=True)
class LineDetail:
    line: ReturnLine
    removed_by: User
    holder: str
    destination: Facility | None
    custody: list[CustodyEntry]
    decisions: list[DispositionRecord]
    facilities: dict[int, str]
    #: The open review item that holds this line, if any.
    review: ReviewItem | None


@dataclass(frozen=True)
class Destinations:
    """Where a line may be sent, per disposition, and why each other facility is missing."""

    names: dict[int, str]  # every facility, in name order
    able: dict[Disposition, frozenset[int]]
    missing: dict[Disposition, list[str]]


def destinations(session: so.Session, hazardous: bool, day: date) -> Destinations:
    facilities = sorted(facility_options(session, day).values(), key=lambda f: f.name)
    return Destinations(
        names={f.facility_id: f.name for f in facilities},
        able={d: frozenset(f.facility_id for f in facilities if f.can_perform(d, hazardous)) for d in Disposition},
        missing={d: [why for f in facilities if (why := f.refusal(d, hazardous))] for d in Disposition},
    )


def line_detail(session: so.Session, line_id: uuid.UUID) -> LineDetail | None:
    line = session.scalar(
        sa.select(ReturnLine).where(ReturnLine.id == line_id)
        .options(so.joinedload(ReturnLine.part), so.joinedload(ReturnLine.origin_site),
                 so.joinedload(ReturnLine.pickup), so.selectinload(ReturnLine.custody),
                 so.selectinload(ReturnLine.replaced_by).options(so.joinedload(Replacement.part),
                                                                 so.joinedload(Replacement.installed_by)))
    )
    if line is None:
        return None
    decisions = session.scalars(
        sa.select(DispositionRecord).where(DispositionRecord.return_line_id == line.id)
        .options(so.joinedload(DispositionRecord.decided_by)).order_by(DispositionRecord.at, DispositionRecord.id)
    ).all()
    facilities = dict(session.execute(sa.select(Facility.id, Facility.name)).all())
    destination = session.get(Facility, line.destination_facility_id) if line.destination_facility_id else None
    return LineDetail(
        line=line,
        removed_by=session.get(User, line.removed_by_id),
        holder=holder_names(session, [line]).get((line.holder_kind, line.holder_id), "—"),
        destination=destination,
        custody=list(line.custody),
        decisions=list(decisions),
        facilities=facilities,
        review=session.scalar(sa.select(ReviewItem).where(
            ReviewItem.return_line_id == line.id, ReviewItem.status == ReviewStatus.OPEN)),
    )


def overdue_page(session: so.Session, number: int) -> Page:
    query = (
        sa.select(ReturnLine)
        .where(ReturnLine.overdue_since.is_not(None), ReturnLine.status.not_in(CLOSED_RETURN_STATUSES))
        .options(so.joinedload(ReturnLine.part), so.joinedload(ReturnLine.origin_site))
        .order_by(ReturnLine.overdue_since, ReturnLine.id)
    )
    page = paginate(session, query, number)
    holders = holder_names(session, page.rows)
    rows = [ReturnRow(line, "", holders.get((line.holder_kind, line.holder_id), "—")) for line in page.rows]
    return Page(rows, page.number, page.per_page, page.total)


def reviews_page(session: so.Session, status: ReviewStatus, number: int) -> Page:
    """Review items of `status`, oldest first, with their event, engineer, job, site, serial and resolver."""
    query = (
        sa.select(ReviewItem)
        .where(ReviewItem.status == status)
        .options(
            so.joinedload(ReviewItem.event), so.joinedload(ReviewItem.engineer),
            so.joinedload(ReviewItem.job).joinedload(Job.site), so.joinedload(ReviewItem.serialised_item),
            so.joinedload(ReviewItem.resolved_by),
        )
        .order_by(ReviewItem.created_at, ReviewItem.id)
    )
    return paginate(session, query, number)


def jobs_page(session: so.Session, status: JobStatus | None, number: int) -> Page:
    query = (
        sa.select(Job)
        .options(so.joinedload(Job.site), so.joinedload(Job.engineer))
        .order_by(Job.window_start.desc(), Job.id.desc())
    )
    if status is not None:
        query = query.where(Job.status == status)
    return paginate(session, query, number)


@dataclass(frozen=True)
class UserRow:
    user: User
    devices: list[Device]


def users_page(session: so.Session, number: int) -> Page:
    # Integration accounts are listed, with their keys, on the Integrations page.
    people = sa.select(User).where(User.role != Role.INTEGRATION).order_by(User.role, User.username)
    page = paginate(session, people, number)
    devices: dict[int, list[Device]] = {}
    ids = [u.id for u in page.rows]
    if ids:
        for device in session.scalars(
            sa.select(Device).where(Device.user_id.in_(ids)).order_by(Device.registered_at.desc())
        ):
            devices.setdefault(device.user_id, []).append(device)
    return Page([UserRow(u, devices.get(u.id, [])) for u in page.rows], page.number, page.per_page, page.total)


def engineers(session: so.Session) -> list[User]:
    return list(session.scalars(
        sa.select(User).where(User.role == Role.ENGINEER, User.active.is_(True)).order_by(User.display_name)
    ))


def sites(session: so.Session) -> list[tuple[int, str]]:
    return [tuple(row) for row in session.execute(sa.select(Site.id, Site.name).order_by(Site.name))]


def site_picker(session: so.Session) -> dict[str, int]:
    """Every site by the label a dispatcher picks it by, "North Office — Northfield Dental", in name order."""
    rows = session.execute(sa.select(Site.id, Site.name, Customer.name).join(Customer).order_by(Site.name, Customer.name))
    return {f"{site} — {customer}": site_id for site_id, site, customer in rows}


def catalogue(session: so.Session) -> list[tuple[str, str]]:
    """Every part number with its description, in part-number order."""
    return [tuple(row) for row in session.execute(
        sa.select(PartNumber.part_number, PartNumber.description).order_by(PartNumber.part_number))]


def facility_choices(session: so.Session) -> list[tuple[int, str]]:
    return [tuple(row) for row in session.execute(sa.select(Facility.id, Facility.name).order_by(Facility.name))]


def day_plan(session: so.Session, day: date) -> CourierPlan | None:
    """The active plan of `day` with its routes, vans, stops, pickups, sites and items."""
    return session.scalar(
        sa.select(CourierPlan)
        .where(CourierPlan.plan_date == day, CourierPlan.active.is_(True))
        .order_by(CourierPlan.created_at.desc())
        .limit(1)
        .options(
            so.selectinload(CourierPlan.routes).joinedload(CourierRoute.vehicle).joinedload(Vehicle.depot),
            so.selectinload(CourierPlan.routes).selectinload(CourierRoute.stops)
            .joinedload(CourierStop.pickup).joinedload(Pickup.site),
            so.selectinload(CourierPlan.routes).selectinload(CourierRoute.stops)
            .joinedload(CourierStop.pickup).selectinload(Pickup.lines).joinedload(ReturnLine.part),
        )
    )


def waiting_pickups(session: so.Session, day: date, planned_ids: set[int]) -> list[Pickup]:
    """Pickups that are open, or planned for `day`, but on none of the day's routes."""
    query = (
        sa.select(Pickup)
        .where(sa.or_(Pickup.status == PickupStatus.OPEN,
                      sa.and_(Pickup.planned_date == day, Pickup.status == PickupStatus.SCHEDULED)))
        .options(so.joinedload(Pickup.site), so.selectinload(Pickup.lines).joinedload(ReturnLine.part))
        .order_by(Pickup.id)
    )
    return [p for p in session.scalars(query).unique() if p.id not in planned_ids]


def pickup_items(session: so.Session, pickup_id: int) -> list[ReturnLine]:
    """The lines of a pickup with their parts, for the customer's page."""
    return list(session.scalars(
        sa.select(ReturnLine).where(ReturnLine.pickup_id == pickup_id)
        .options(so.joinedload(ReturnLine.part)).order_by(ReturnLine.created_at, ReturnLine.id)
    ))


def shortages_page(session: so.Session, number: int) -> Page:
    """Replacement units nothing could be set aside for, the earliest job first."""
    query = (
        sa.select(Reservation).where(Reservation.status == ReservationStatus.SHORT)
        .options(so.joinedload(Reservation.part), so.joinedload(Reservation.job).joinedload(Job.site),
                 so.joinedload(Reservation.job).joinedload(Job.engineer))
        .order_by(Reservation.needed_by, Reservation.id)
    )
    return paginate(session, query, number)


def day_deliveries(session: so.Session, day: date, zone: str) -> list[Delivery]:
    """Deliveries not cancelled that leave or are due on `day` (in the sites' time zone), the earliest due first."""
    start = datetime.combine(day, time(0), ZoneInfo(zone))
    end = start + timedelta(days=1)
    query = (
        sa.select(Delivery)
        .where(Delivery.status != DeliveryStatus.CANCELLED,
               sa.or_(sa.and_(Delivery.planned_date >= start, Delivery.planned_date < end),
                      sa.and_(Delivery.deadline >= start, Delivery.deadline < end)))
        .options(so.joinedload(Delivery.part), so.joinedload(Delivery.from_location),
                 so.joinedload(Delivery.to_location), so.joinedload(Delivery.engineer),
                 so.joinedload(Delivery.reservation).joinedload(Reservation.job).joinedload(Job.site))
        .order_by(Delivery.deadline, Delivery.id)
    )
    return list(session.scalars(query))
