"""Pickups and routes: the day's plan per van (table and drawing), re-planning, moving a pickup."""

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from common.enums import PickupStatus
from factories import next_weekday
from server.console.route_drawing import Place, RouteToDraw, draw
from server.models import CourierPlan, Pickup
from server.runner import run_due

DAY = next_weekday(date.today())


def leave_printer_for_courier(app, client, yard):
    """Amy logs a 95 kg printer removed: too heavy to carry, it waits at the site for a courier."""
    from phones import Phone

    phone = Phone(client=client)
    assert phone.sign_in("amy").status == 200
    ev = phone.new_event("part_removed", yard.amy_job.id, part_number="PRN-MFP-C550", serial="AR55555555",
                         condition="faulty", failure_code="electrical")
    assert phone.push([ev]).json["results"][0]["status"] == "accepted"
    run_due(app)
    return uuid.UUID(ev["id"])


def test_the_drawing_fits_every_place_in_the_box_in_route_order():
    depot = Place(53.46, -2.32, "Depot")
    stops = [Place(53.48, -2.24, "A"), Place(53.40, -2.15, "B")]
    (route,) = draw([RouteToDraw("Van 1", depot, stops)], width=600, height=400, margin=20).routes
    for mark in (route.depot, *route.stops):
        assert 0 <= mark.x <= 600 and 0 <= mark.y <= 400
    assert [m.number for m in route.stops] == [1, 2]
    assert route.points.split()[0] == route.points.split()[-1]  # back to the depot
    assert route.stops[0].y < route.stops[1].y  # north is up


def test_a_day_without_a_plan_says_so(dispatcher):
    page = dispatcher.get(f"/console/routes?day={DAY}").get_data(as_text=True)
    assert "No plan for this day yet." in page


def test_a_planned_day_shows_each_van_with_its_stops_in_order(dispatcher, make_plan):
    make_plan(4, DAY)
    page = dispatcher.get(f"/console/routes?day={DAY}").get_data(as_text=True)
    assert "Van 1" in page and "Van 2" in page and "42 km" in page and "97 km" in page
    assert page.index("Stop site 0") < page.index("Stop site 2")
    assert "<svg" in page and page.count("<polyline") == 2
    assert "No map tiles are configured" in page


def test_replanning_a_day_shows_planning_then_stores_the_plan_and_shows_the_route(app, client, dispatcher, yard,
                                                                                  session):
    leave_printer_for_courier(app, client, yard)
    r = dispatcher.post(f"/console/routes/plan?day={DAY}", {"day": DAY.isoformat()})
    assert r.status_code == 303
    page = dispatcher.get(r.headers["Location"]).get_data(as_text=True)
    assert "Planning…" in page and 'http-equiv="refresh"' in page and "Van 1" not in page
    run_due(app)
    page = dispatcher.get(r.headers["Location"]).get_data(as_text=True)
    assert "Planned" in page and "1 route(s)" in page and "North Office" in page and "Van 1" in page
    assert 'http-equiv="refresh"' not in page
    session.rollback()
    assert session.scalar(sa.select(CourierPlan).where(CourierPlan.active)).plan_date == DAY


def test_planning_without_a_day_shows_the_error_on_the_field(dispatcher):
    r = dispatcher.post("/console/routes/plan", {"day": ""})
    assert r.status_code == 422 and 'id="day-error"' in r.get_data(as_text=True)


def test_moving_a_pickup_to_another_day_takes_it_off_its_route(app, client, dispatcher, yard, session):
    leave_printer_for_courier(app, client, yard)
    dispatcher.post(f"/console/routes/plan?day={DAY}", {"day": DAY.isoformat()})
    run_due(app)
    session.rollback()
    pickup = session.scalar(sa.select(Pickup))
    later = next_weekday(DAY)
    r = dispatcher.post(f"/console/routes/move?day={DAY}", {"pickup_id": pickup.id, "new_day": later.isoformat()})
    assert r.status_code == 303
    session.rollback()
    moved = session.get(Pickup, pickup.id)
    assert moved.status == PickupStatus.OPEN and moved.not_before == later


def test_moving_a_pickup_to_the_past_shows_the_error_on_that_pickup(app, client, dispatcher, yard, session):
    leave_printer_for_courier(app, client, yard)
    pickup = session.scalar(sa.select(Pickup))
    r = dispatcher.post(f"/console/routes/move?day={DAY}",
                        {"pickup_id": pickup.id, "new_day": (date.today() - timedelta(days=2)).isoformat()})
    assert r.status_code == 422 and "Choose a day after today." in r.get_data(as_text=True)


def test_with_a_tile_server_configured_the_page_loads_leaflet_and_allows_that_origin(app, dispatcher, make_plan):
    app.config["MAP_TILE_URL"] = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"
    make_plan(2, DAY)
    r = dispatcher.get(f"/console/routes?day={DAY}")
    page = r.get_data(as_text=True)
    assert "vendor/leaflet/leaflet.js" in page and "routes_map.js" in page
    assert "http://127.0.0.1:9" in r.headers["Content-Security-Policy"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_first_and_last_day_of_the_calendar_are_not_found_not_a_server_error(dispatcher, day):
    assert dispatcher.get(f"/console/routes?day={day}").status_code == 404


def test_planning_a_past_day_is_refused_under_the_field_with_its_year(dispatcher, session):
    r = dispatcher.post("/console/routes/plan", {"day": "2020-01-15"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Wednesday 15 January 2020 is past" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(CourierPlan)) == 0


def test_a_past_days_page_offers_no_re_plan(dispatcher):
    page = dispatcher.get(f"/console/routes?day={date.today() - timedelta(days=3)}").get_data(as_text=True)
    assert " is past: plan a day from today to " in page and "this day</button>" not in page


def test_a_move_with_an_id_beyond_any_record_is_refused(app, client, dispatcher, yard):
    r = dispatcher.post(f"/console/routes/move?day={DAY}", {"pickup_id": str(2**70), "new_day": DAY.isoformat()})
    assert r.status_code == 422 and "There is no such pickup." in r.get_data(as_text=True)


def test_a_move_to_a_sunday_shows_the_sites_opening_days_on_that_pickup(app, client, dispatcher, yard, session):
    leave_printer_for_courier(app, client, yard)
    pickup = session.scalar(sa.select(Pickup))
    sunday = DAY + timedelta(days=6 - DAY.weekday())
    r = dispatcher.post(f"/console/routes/move?day={DAY}", {"pickup_id": pickup.id, "new_day": sunday.isoformat()})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "is closed on Sunday" in page and "it is open Monday to Friday" in page
