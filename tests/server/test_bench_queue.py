"""The refurbishment queue of a facility: who joins it, in what order, and what fits the day's bench hours."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.enums import MovementKind, StockGrade, StockLocationKind
from server import clock
from server.models import StockTarget
from server.runner import run_due
from server.services.stock import bench, ledger


@pytest.fixture
def weekday(app):
    """The server clock on the latest weekday up to today, at 11:00 where the sites are."""
    zone = ZoneInfo(app.config["SITE_TIMEZONE"])
    day = clock.now().astimezone(zone).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    clock.shift_to(datetime.combine(day, time(11), tzinfo=zone))
    yield day
    clock.reset()


def received_for_refurbishment(app, amy, dana, logistics, **removal) -> uuid.UUID:
    """A removal Dana sends to the refurbishment centre, received there."""
    ev = amy.new_event("part_removed", logistics.world.amy_job.id, condition="faulty", **removal)
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    run_due(app)
    r = dana.request("PUT", f"/api/v1/returns/{ev['id']}/disposition",
                     json={"disposition": "refurbish", "comment": "Bench it.", "facility_id": logistics.refurb.id})
    assert r.status == 200, r.json
    r = dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.refurb.id,
                                                               "return_line_id": ev["id"]})
    assert r.status == 200, r.json
    return uuid.UUID(ev["id"])


@pytest.fixture
def bench_of_two_hours(session, logistics):
    """The refurbishment centre's bench has 2 h per weekday; a fuser takes 1.5 h, a roller kit 1 h;
    the centre wants 2 roller kits ready and holds none."""
    logistics.refurb.bench_hours_per_weekday = 2.0
    logistics.world.fuser.refurbishment_hours = 1.5
    logistics.world.rollers.refurbishment_hours = 1.0
    logistics.world.rollers.refurbishment_yield = 1.0
    session.add(StockTarget(facility_id=logistics.refurb.id, part_number_id=logistics.world.rollers.id, quantity=2))
    session.commit()
    return logistics


def fuser_then_rollers(app, amy, dana, logistics) -> tuple[uuid.UUID, uuid.UUID]:
    fuser = received_for_refurbishment(app, amy, dana, logistics, part_number="PRN-FUS-220", serial="AR00000001",
                                       failure_code="mechanical_wear")
    rollers = received_for_refurbishment(app, amy, dana, logistics, part_number="PRN-RLR-KIT", quantity=1)
    return fuser, rollers


def test_a_part_under_target_is_worked_before_an_older_item_whose_part_is_not(app, amy, dana, bench_of_two_hours,
                                                                             session, weekday):
    fuser, rollers = fuser_then_rollers(app, amy, dana, bench_of_two_hours)
    queue = dana.request("GET", f"/api/v1/facilities/{bench_of_two_hours.refurb.id}/queue").json
    assert [(i["return_line_id"], i["needed"]) for i in queue["items"]] == [(str(rollers), True), (str(fuser), False)]
    assert (queue["items"][0]["ready_stock"], queue["items"][0]["target"]) == (0, 2)


def test_ready_stock_at_the_target_takes_a_part_off_the_front_of_the_queue(app, amy, dana, bench_of_two_hours,
                                                                          session, weekday):
    fuser, rollers = fuser_then_rollers(app, amy, dana, bench_of_two_hours)
    location = ledger.location_for(session, StockLocationKind.FACILITY, bench_of_two_hours.refurb.id)
    ledger.record_movement(session, MovementKind.SUPPLY, "supply:rollers", quantity=2,
                           part_number_id=bench_of_two_hours.world.rollers.id, target=(location, StockGrade.NEW))
    session.commit()
    rows = bench.facility_queue(session, bench_of_two_hours.refurb.id).rows
    assert [row.line.id for row in rows] == [fuser, rollers]


def test_the_days_bench_hours_bound_what_fits_and_processing_uses_them_up(app, amy, dana, bench_of_two_hours,
                                                                         session, weekday):
    fuser, rollers = fuser_then_rollers(app, amy, dana, bench_of_two_hours)
    facility_id = bench_of_two_hours.refurb.id
    assert [line.id for line in bench.fitting_today(session, facility_id)] == [rollers]  # 1 h, then 1.5 h > 1 h left
    dana.request("POST", f"/api/v1/returns/{rollers}/outcome",
                 json={"outcome": "refurbished", "recovered_value": "20", "hours": 1.0})
    session.rollback()
    queue = bench.facility_queue(session, facility_id)
    assert (queue.capacity_hours, queue.hours_used, queue.hours_left) == (2.0, 1.0, 1.0)
    assert [row.line.id for row in queue.rows] == [fuser]
    assert bench.fitting_today(session, facility_id) == []


def test_no_bench_hours_at_the_weekend(app, amy, dana, bench_of_two_hours, session, weekday):
    fuser_then_rollers(app, amy, dana, bench_of_two_hours)
    saturday = weekday + timedelta(days=5 - weekday.weekday())
    queue = bench.facility_queue(session, bench_of_two_hours.refurb.id, saturday)
    assert queue.capacity_hours == 0 and not any(row.fits_today for row in queue.rows)


def test_an_item_for_another_disposition_is_not_queued(app, amy, dana, bench_of_two_hours, session, weekday):
    ev = amy.new_event("part_removed", bench_of_two_hours.world.amy_job.id, part_number="PRN-FUS-220",
                       serial="AR00000001", condition="faulty", failure_code="water_damage")
    amy.push([ev])
    run_due(app)
    dana.request("POST", "/api/v1/facility/receive", json={"facility_id": bench_of_two_hours.refurb.id,
                                                           "return_line_id": ev["id"]})
    assert bench.facility_queue(session, bench_of_two_hours.refurb.id).rows == []


def test_the_queue_of_an_unknown_facility_is_not_found(dana, logistics):
    assert dana.request("GET", "/api/v1/facilities/999999/queue").status == 404
