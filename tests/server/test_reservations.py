"""A job's replacement units are reserved when it is assigned: van first, refurbished before new, else a shortage."""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import DeliveryStatus, GradePolicy, ReservationStatus, StockGrade, StockLocationKind
from server.models import Delivery, Reservation
from server.services.stock import reservations
from server.services.work import jobs
from stock_fixtures import supply

FUSER = [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]


def fuser_job(session, world, engineer=None, **fields):
    return make.job(session, world.north, engineer or world.amy, world.dana, expected_parts=FUSER,
                    start=make.now() + timedelta(days=4), **fields)


def active(session, job):
    return reservations.active_reservations(session, job.id)


def deliveries_of(session, reservation):
    return session.scalars(sa.select(Delivery).where(Delivery.reservation_id == reservation.id)).all()


def test_a_unit_in_the_engineers_van_is_held_with_no_delivery(session, world):
    van = supply(session, StockLocationKind.VAN, world.amy.id, world.fuser)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    [held] = active(session, fuser_job(session, world))
    assert (held.status, held.location_id, held.grade) == (ReservationStatus.HELD, van.id, StockGrade.NEW)
    assert held.reason == "New unit from the engineer's van: no delivery needed"
    assert deliveries_of(session, held) == []


def test_refurbished_stock_is_held_before_new_stock_nearer_the_site(session, world):
    near = make.facility(session, "MCR", latitude=world.north.latitude, longitude=world.north.longitude)
    supply(session, StockLocationKind.FACILITY, near.id, world.fuser, StockGrade.NEW)
    depot = supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    [held] = active(session, fuser_job(session, world))
    assert (held.location_id, held.grade) == (depot.id, StockGrade.REFURBISHED)
    assert held.reason.startswith("Refurbished unit from TPK (")
    assert held.reason.endswith("km): the circular choice; van holds none")


def test_a_part_that_must_be_new_is_held_new(session, world):
    world.fuser.grade_policy = GradePolicy.NEW_ONLY
    session.commit()
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    supply(session, StockLocationKind.FACILITY, world.recycler.id, world.fuser, StockGrade.NEW)
    [held] = active(session, fuser_job(session, world))
    assert held.grade == StockGrade.NEW


def test_a_job_with_no_stock_anywhere_is_a_shortage_with_its_date(session, world):
    job = fuser_job(session, world)
    [short] = active(session, job)
    assert (short.status, short.location_id) == (ReservationStatus.SHORT, None)
    assert short.needed_by == job.window_start
    assert short.reason.startswith("Shortage: no refurbished or new PRN-FUS-220")


def test_a_unit_held_for_one_job_is_not_free_for_the_next(session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    [first] = active(session, fuser_job(session, world))
    [second] = active(session, fuser_job(session, world))
    assert (first.status, second.status) == (ReservationStatus.HELD, ReservationStatus.SHORT)


def test_reserving_again_keeps_one_active_reservation_per_unit(session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED, 3)
    job = fuser_job(session, world)
    reservations.reserve_for_job(session, job.id)
    reservations.reserve_for_job(session, job.id)
    session.commit()
    rows = session.scalars(sa.select(Reservation).where(Reservation.job_id == job.id)).all()
    assert [(r.expected_index, r.status) for r in rows] == [(0, ReservationStatus.HELD)]
    assert len(deliveries_of(session, rows[0])) == 1


def test_a_job_without_an_engineer_reserves_nothing(session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser)
    job = make.job(session, world.north, None, world.dana, expected_parts=FUSER)
    assert active(session, job) == []


def test_cancelling_a_job_releases_its_unit_and_cancels_its_delivery(session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    job = fuser_job(session, world)
    [held] = active(session, job)
    jobs.update_job(session, job.id, {"status": "cancelled"}, world.dana)
    session.refresh(held)
    assert held.status == ReservationStatus.RELEASED
    assert [d.status for d in deliveries_of(session, held)] == [DeliveryStatus.CANCELLED]
    assert active(session, fuser_job(session, world))[0].status == ReservationStatus.HELD


def test_reassigning_a_job_reserves_again_from_the_new_engineers_van(session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    bens_van = supply(session, StockLocationKind.VAN, world.ben.id, world.fuser)
    job = fuser_job(session, world)
    [before] = active(session, job)
    jobs.update_job(session, job.id, {"engineer_id": world.ben.id}, world.dana)
    [after] = active(session, job)
    session.refresh(before)
    assert before.status == ReservationStatus.RELEASED
    assert (after.location_id, after.expected_index) == (bens_van.id, 0)


def test_a_shortage_is_held_once_stock_arrives_and_the_shortages_are_tried_again(session, world):
    [short] = active(session, world.amy_job)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    assert reservations.retry_shortages_now(session) == 1
    session.refresh(short)
    assert (short.status, short.grade) == (ReservationStatus.HELD, StockGrade.REFURBISHED)
    assert len(deliveries_of(session, short)) == 1


def test_faulty_and_scrap_stock_never_serve_a_replacement(session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.FAULTY)
    supply(session, StockLocationKind.FACILITY, world.recycler.id, world.fuser, StockGrade.SCRAP)
    assert active(session, fuser_job(session, world))[0].status == ReservationStatus.SHORT


def test_stock_that_arrives_meets_the_earliest_shortage_first(session, world):
    later = fuser_job(session, world)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    reservations.retry_shortages_now(session)
    assert active(session, world.amy_job)[0].status == ReservationStatus.HELD
    assert active(session, later)[0].status == ReservationStatus.SHORT


def test_moving_a_jobs_window_reserves_it_afresh_with_a_new_deadline(session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    job = fuser_job(session, world)
    [before] = active(session, job)
    later = job.window_start + timedelta(days=2)
    jobs.update_job(session, job.id, {"window_start": later, "window_end": later + timedelta(hours=2)}, world.dana)
    [after] = active(session, job)
    session.refresh(before)
    assert before.status == ReservationStatus.RELEASED and after.needed_by == later
    [delivery] = deliveries_of(session, after)
    assert delivery.deadline <= later


def test_a_completed_job_releases_the_units_it_did_not_install_and_cancels_their_delivery(session, world, amy):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    job = fuser_job(session, world)
    [held] = active(session, job)
    [delivery] = deliveries_of(session, held)
    completed = amy.new_event("job_completed", job.id, notes="Fixed by a reset; no swap needed.")
    assert amy.push([completed]).json["results"][0]["status"] == "accepted"
    session.rollback()
    assert session.get(Reservation, held.id).status == ReservationStatus.RELEASED
    assert session.get(Delivery, delivery.id).status == DeliveryStatus.CANCELLED
