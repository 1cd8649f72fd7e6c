"""Replacement units set aside for jobs: reserved on assignment, released when the job no longer needs them.

One active (held or short) reservation per `replace` expected part of an open,
assigned job. The choice of source is the pure rule
server/logistics/reservations.py; what is free at a location is its balance
less the units held there. A held unit away from the engineer's van becomes a
delivery (server/services/stock/deliveries.py). Shortages are tried again by
`retry_shortages` (hourly, and on a dispatcher's request).
"""

from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import JobStatus, ReservationStatus, StockGrade, StockLocationKind
from common.stock import READY_GRADES
from server.database import begin_write
from server.logistics.reservations import StockPlace, choose_source
from server.models import Facility, Job, PartNumber, Reservation, StockLocation
from server.services.settings import current_policy
from server.services.stock import deliveries, ledger

ACTIVE = (ReservationStatus.HELD, ReservationStatus.SHORT)


def active_reservations(session: so.Session, job_id: int) -> list[Reservation]:
    return list(session.scalars(sa.select(Reservation).where(
        Reservation.job_id == job_id, Reservation.status.in_(ACTIVE)).order_by(Reservation.expected_index)))


def reserve_for_job(session: so.Session, job_id: int) -> list[Reservation]:
    """Hold (or record short) a replacement for each `replace` expected part of the job; runs in the caller's
    transaction.

    Idempotent: a unit that already has an active reservation for this part
    keeps it; one the job no longer expects (or a job cancelled, completed or
    unassigned) is released. Returns the job's active reservations.
    """
    job = _locked_job(session, job_id)
    wanted = _replace_units(job) if job.status == JobStatus.OPEN and job.engineer_id is not None else {}
    kept: dict[int, Reservation] = {}
    for reservation in active_reservations(session, job_id):
        unit = wanted.get(reservation.expected_index)
        if unit is not None and unit == (reservation.part.part_number, reservation.quantity):
            kept[reservation.expected_index] = reservation
        else:
            _release(session, reservation)
    session.flush()
    for index, (part_number, quantity) in sorted(wanted.items()):
        if index not in kept:
            kept[index] = _reserve(session, job, index, part_number, quantity)
    return [kept[i] for i in sorted(kept)]


def release_for_job(session: so.Session, job_id: int) -> None:
    """Release every active reservation of the job (and cancel its deliveries); runs in the caller's transaction."""
    _locked_job(session, job_id)
    for reservation in active_reservations(session, job_id):
        _release(session, reservation)
    session.flush()


def retry_shortages(session: so.Session) -> int:
    """Turn shortages into held units where stock has since arrived, earliest job first; runs in the caller's
    transaction. Returns how many were met."""
    short = session.scalars(sa.select(Reservation).where(Reservation.status == ReservationStatus.SHORT)
                            .order_by(Reservation.needed_by, Reservation.id)).all()
    met = 0
    for reservation in short:
        job = _locked_job(session, reservation.job_id)
        session.refresh(reservation)
        if reservation.status != ReservationStatus.SHORT:
            continue
        _lock_part(session, reservation.part_number_id)
        choice = _choose(session, job, reservation.part, reservation.quantity)
        if choice.short:
            continue
        reservation.status, reservation.location_id = ReservationStatus.HELD, choice.location_id
        reservation.grade, reservation.reason = choice.grade, choice.reason
        session.flush()
        if not choice.from_van:
            deliveries.plan_for_reservation(session, reservation)
        met += 1
    return met


def retry_shortages_now(session: so.Session) -> int:
    """A dispatcher's request: try every shortage again now."""
    begin_write(session)
    met = retry_shortages(session)
    session.commit()
    return met


def free_stock(session: so.Session, part_number_id: int, location_ids: list[int] | None = None
               ) -> dict[tuple[int, StockGrade], int]:
    """Ready units of a part by (location, grade): the balance less the units held there."""
    free: dict[tuple[int, StockGrade], int] = defaultdict(int)
    for row in ledger.balances(session, location_ids=location_ids, part_number_ids=[part_number_id],
                               grades=READY_GRADES):
        free[(row.location_id, row.grade)] += row.quantity
    held = (sa.select(Reservation.location_id, Reservation.grade, sa.func.sum(Reservation.quantity))
            .where(Reservation.status == ReservationStatus.HELD, Reservation.part_number_id == part_number_id)
            .group_by(Reservation.location_id, Reservation.grade))
    if location_ids is not None:
        held = held.where(Reservation.location_id.in_(location_ids))
    for location_id, grade, quantity in session.execute(held):
        free[(location_id, StockGrade(grade))] -= int(quantity)
    return free


def _replace_units(job: Job) -> dict[int, tuple[str, int]]:
    return {i: (p["part_number"], int(p.get("quantity") or 1))
            for i, p in enumerate(job.expected_parts or []) if p.get("action") == "replace"}


def _reserve(session: so.Session, job: Job, index: int, part_number: str, quantity: int) -> Reservation:
    part = session.scalar(sa.select(PartNumber).where(PartNumber.part_number == part_number))
    _lock_part(session, part.id)
    choice = _choose(session, job, part, quantity)
    reservation = Reservation(
        job_id=job.id, expected_index=index, part_number_id=part.id, quantity=quantity,
        status=ReservationStatus.SHORT if choice.short else ReservationStatus.HELD,
        location_id=choice.location_id, grade=choice.grade, reason=choice.reason, needed_by=job.window_start,
    )
    session.add(reservation)
    session.flush()
    if not choice.short and not choice.from_van:
        deliveries.plan_for_reservation(session, reservation)
    return reservation


def _choose(session: so.Session, job: Job, part: PartNumber, quantity: int):
    van = ledger.existing_location_id(session, StockLocationKind.VAN, job.engineer_id)
    free = free_stock(session, part.id)
    places = [
        StockPlace(location_id, code, latitude, longitude,
                   {grade: free.get((location_id, grade), 0) for grade in READY_GRADES})
        for location_id, code, latitude, longitude in session.execute(
            sa.select(StockLocation.id, Facility.code, Facility.latitude, Facility.longitude)
            .join(Facility, Facility.id == StockLocation.ref_id)
            .where(StockLocation.kind == StockLocationKind.FACILITY))
    ]
    return choose_source(
        part.part_number, quantity, part.grade_policy, van_location_id=van,
        van_available={grade: free.get((van, grade), 0) for grade in READY_GRADES},
        site=(job.site.latitude, job.site.longitude), places=places,
        detour_factor=current_policy().transport.detour_factor,
    )


def _release(session: so.Session, reservation: Reservation) -> None:
    reservation.status = ReservationStatus.RELEASED
    deliveries.cancel_for_reservation(session, reservation)


def _locked_job(session: so.Session, job_id: int) -> Job:
    """The job, its row locked until commit: its reservations change one transaction at a time."""
    return session.scalars(sa.select(Job).where(Job.id == job_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _lock_part(session: so.Session, part_number_id: int) -> None:
    """Two transactions reserving the same part wait for each other, so one unit is never held twice.

    SQLite writers are serialised already; PostgreSQL takes a lock for the part until commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(f"reservation-part:{part_number_id}", 0))))
