"""A unit held away from the engineer's van is delivered to their depot or the site before the job, and its facts
move the stock."""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import DeliveryMode, DeliveryStatus, StockGrade, StockLocationKind
from server.models import Delivery
from server.services.stock import ledger, reservations
from stock_fixtures import supply

FUSER = [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]


def delivery_for(session, world, days_ahead=5, engineer=None):
    job = make.job(session, world.north, engineer or world.amy, world.dana, expected_parts=FUSER,
                   start=make.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=days_ahead))
    [held] = reservations.active_reservations(session, job.id)
    return job, session.scalars(sa.select(Delivery).where(Delivery.reservation_id == held.id)).one()


def far_stock(session, world):
    """Refurbished fusers at a refurbishment centre far from Amy's depot (TPK)."""
    centre = make.facility(session, "LDS", latitude=53.80, longitude=-1.55)
    supply(session, StockLocationKind.FACILITY, centre.id, world.fuser, StockGrade.REFURBISHED)
    return centre


def with_depot(session, world):
    world.amy.home_facility_id = world.depot.id
    session.commit()


def units(session, kind, ref_id, part, grade=StockGrade.REFURBISHED):
    return ledger.balance(session, ledger.location_for(session, kind, ref_id).id, part.id, grade)


def test_a_delivery_is_planned_to_arrive_before_its_job_window(session, world):
    with_depot(session, world)
    far_stock(session, world)
    job, delivery = delivery_for(session, world)
    assert delivery.status == DeliveryStatus.PLANNED
    assert delivery.planned_date < delivery.deadline <= job.window_start
    assert (delivery.site_id, delivery.engineer_id) == (job.site_id, world.amy.id)


def test_a_delivery_goes_to_the_engineers_depot_when_that_is_cheaper_in_time(session, world):
    with_depot(session, world)
    far_stock(session, world)
    _, delivery = delivery_for(session, world)
    assert delivery.mode == DeliveryMode.DEPOT_COLLECTION
    assert delivery.to_location.code == "FAC:TPK"
    assert delivery.reason.startswith("To the engineer's depot (")


def test_an_engineer_without_a_depot_gets_the_unit_by_courier_to_the_site(session, world):
    far_stock(session, world)
    job, delivery = delivery_for(session, world)
    assert delivery.mode == DeliveryMode.COURIER_TO_SITE
    assert delivery.to_location.code == f"SITE:{job.site_id}"
    assert delivery.deadline == job.window_start


def test_a_unit_held_at_the_engineers_own_depot_waits_there_to_be_collected(session, world):
    with_depot(session, world)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    _, delivery = delivery_for(session, world)
    assert (delivery.mode, delivery.status) == (DeliveryMode.DEPOT_COLLECTION, DeliveryStatus.AT_DEPOT)


def test_arriving_at_the_depot_moves_the_unit_into_the_depots_stock_still_held(dana, session, world):
    with_depot(session, world)
    centre = far_stock(session, world)
    _, delivery = delivery_for(session, world)
    assert dana.request("POST", f"/api/v1/deliveries/{delivery.id}/dispatched").json["status"] == "dispatched"
    r = dana.request("POST", f"/api/v1/deliveries/{delivery.id}/at-depot")
    assert (r.status, r.json["status"]) == (200, "at_depot")
    session.expire_all()
    assert units(session, StockLocationKind.FACILITY, centre.id, world.fuser) == 0
    assert units(session, StockLocationKind.FACILITY, world.depot.id, world.fuser) == 1
    assert reservations.free_stock(session, world.fuser.id)[(delivery.to_location_id, StockGrade.REFURBISHED)] == 0


def test_collecting_from_the_depot_puts_the_unit_in_the_engineers_van(dana, session, world):
    with_depot(session, world)
    far_stock(session, world)
    _, delivery = delivery_for(session, world)
    dana.request("POST", f"/api/v1/deliveries/{delivery.id}/at-depot")
    r = dana.request("POST", f"/api/v1/deliveries/{delivery.id}/delivered")
    assert (r.status, r.json["status"]) == (200, "delivered")
    session.expire_all()
    assert units(session, StockLocationKind.FACILITY, world.depot.id, world.fuser) == 0
    assert units(session, StockLocationKind.VAN, world.amy.id, world.fuser) == 1


def test_a_courier_delivery_puts_the_unit_at_the_site(dana, session, world):
    centre = far_stock(session, world)
    job, delivery = delivery_for(session, world)
    r = dana.request("POST", f"/api/v1/deliveries/{delivery.id}/delivered")
    assert r.json["status"] == "delivered" and r.json["arrived_at"]
    session.expire_all()
    assert units(session, StockLocationKind.FACILITY, centre.id, world.fuser) == 0
    assert units(session, StockLocationKind.SITE, job.site_id, world.fuser) == 1


def test_a_fact_recorded_twice_moves_the_stock_once(dana, session, world):
    far_stock(session, world)
    job, delivery = delivery_for(session, world)
    for _ in range(2):
        assert dana.request("POST", f"/api/v1/deliveries/{delivery.id}/delivered").status == 200
    session.expire_all()
    assert units(session, StockLocationKind.SITE, job.site_id, world.fuser) == 1


def test_a_courier_delivery_cannot_arrive_at_a_depot(dana, session, world):
    far_stock(session, world)
    _, delivery = delivery_for(session, world)
    assert dana.request("POST", f"/api/v1/deliveries/{delivery.id}/at-depot").status == 409


def test_a_delivered_unit_cannot_be_dispatched_again(dana, session, world):
    far_stock(session, world)
    _, delivery = delivery_for(session, world)
    dana.request("POST", f"/api/v1/deliveries/{delivery.id}/delivered")
    assert dana.request("POST", f"/api/v1/deliveries/{delivery.id}/dispatched").status == 409


def test_the_dispatcher_lists_deliveries_and_shortages(dana, session, world):
    far_stock(session, world)
    job, delivery = delivery_for(session, world)
    listed = dana.request("GET", f"/api/v1/deliveries?engineer_id={world.amy.id}").json["items"]
    assert [(d["id"], d["job_reference"], d["part_number"]) for d in listed] == [
        (delivery.id, job.reference, "PRN-FUS-220")]
    [short] = dana.request("GET", "/api/v1/shortages").json["items"]
    assert (short["job_reference"], short["status"], short["site"]) == (world.amy_job.reference, "short",
                                                                       "North Office")
