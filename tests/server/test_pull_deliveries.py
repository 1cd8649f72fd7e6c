"""Pull carries the engineer's replacement deliveries: what waits at their depot, what comes to their sites."""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import StockGrade, StockLocationKind
from common.schemas import DeliveryRecord
from server.models import Delivery
from server.services.stock import deliveries
from server.services.work.jobs import update_job
from stock_fixtures import supply

FUSER = [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]


def delivered_job(session, world, depot=True):
    """A job of Amy's whose refurbished fuser comes from a far centre: to her depot, or by courier."""
    if depot:
        world.amy.home_facility_id = world.depot.id
    centre = make.facility(session, "LDS", latitude=53.80, longitude=-1.55)
    supply(session, StockLocationKind.FACILITY, centre.id, world.fuser, StockGrade.REFURBISHED)
    job = make.job(session, world.north, world.amy, world.dana, expected_parts=FUSER,
                   start=make.now() + timedelta(days=5))
    return job, session.scalar(sa.select(Delivery).where(Delivery.site_id == job.site_id))


def test_a_first_pull_carries_the_delivery_waiting_for_the_engineer_at_their_depot(amy, session, world):
    job, delivery = delivered_job(session, world)
    amy.sync_down()
    record = amy.cached("delivery")[str(delivery.id)]
    assert DeliveryRecord().validate(record) == {}
    assert (record["job_id"], record["part_number"], record["mode"], record["depot_facility_id"]) == (
        job.id, "PRN-FUS-220", "depot_collection", world.depot.id)
    assert record["status"] == "planned" and record["grade"] == "refurbished"


def test_another_engineer_never_receives_the_delivery(ben, session, world):
    delivered_job(session, world)
    ben.sync_down()
    assert ben.cached("delivery") == {}


def test_a_delivery_status_change_reaches_the_phone(amy, session, world):
    _, delivery = delivered_job(session, world)
    amy.sync_down()
    deliveries.record_at_depot(session, delivery.id, world.dana)
    amy.sync_down()
    assert amy.cached("delivery")[str(delivery.id)]["status"] == "at_depot"


def test_a_collected_delivery_leaves_the_phone(amy, session, world):
    _, delivery = delivered_job(session, world)
    amy.sync_down()
    deliveries.record_delivered(session, delivery.id, world.dana)
    amy.sync_down()
    assert amy.cached("delivery") == {}


def test_reassigning_the_job_moves_its_delivery_to_the_new_engineers_phone(amy, ben, session, world):
    job, delivery = delivered_job(session, world, depot=False)
    amy.sync_down()
    ben.sync_down()
    update_job(session, job.id, {"engineer_id": world.ben.id}, world.dana)
    amy.sync_down()
    ben.sync_down()
    assert amy.cached("delivery") == {}
    [(key, record)] = ben.cached("delivery").items()
    assert key != str(delivery.id) and record["mode"] == "courier_to_site" and record["site_id"] == job.site_id
