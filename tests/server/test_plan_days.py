"""Which days can be planned and moved to, and a day under way keeps what has started."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from common.enums import PickupStatus
from factories import next_weekday
from server.models import CourierPlan, CourierStop, Notification, Pickup
from server.services.planning.planning import plan_day

from test_planning import due_pickup  # noqa: F401  (fixture)

DAY = next_weekday(date.today())


def site_today() -> date:
    return datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/London")).date()


@pytest.fixture
def open_all_day_every_day(logistics, session):
    """The site and the van work round the clock, so that "today" can be planned whenever the test runs."""
    logistics.world.north.access_hours = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri",
                                                                              "sat", "sun")}
    logistics.van.shift_start, logistics.van.shift_end = time(0, 0), time(23, 59)
    session.commit()


def active_stops(session, day: date) -> list[CourierStop]:
    session.rollback()
    plan = session.scalar(sa.select(CourierPlan).where(CourierPlan.plan_date == day, CourierPlan.active))
    return [stop for route in plan.routes for stop in route.stops]


def test_a_past_day_cannot_be_planned_and_the_message_shows_its_year(dana, due_pickup, session):
    r = dana.request("POST", "/api/v1/plans", json={"date": "2020-01-15"})
    assert r.status == 422
    assert r.json["errors"]["date"][0].startswith("Wednesday 15 January 2020 is past")
    assert session.scalar(sa.select(sa.func.count()).select_from(CourierPlan)) == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_no_plan_can_have_is_refused_not_a_server_error(dana, due_pickup, session, day):
    plan_day(session, DAY)
    r = dana.request("POST", "/api/v1/plans", json={"date": day})
    assert r.status == 422 and "date" in r.json["errors"]
    assert dana.request("GET", f"/api/v1/plans/{day}").status == 404
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(CourierPlan)) == 1


def test_a_move_to_a_day_the_site_is_closed_is_refused_with_its_opening_days(dana, due_pickup, session):
    sunday = DAY + timedelta(days=6 - DAY.weekday())
    r = dana.request("POST", f"/api/v1/pickups/{due_pickup.id}/move", json={"day": sunday.isoformat()})
    assert r.status == 422
    assert "North Office is closed on Sunday" in r.json["errors"]["day"][0]
    assert "it is open Monday to Friday" in r.json["errors"]["day"][0]
    session.rollback()
    assert session.get(Pickup, due_pickup.id).requested_date is None


def test_a_move_beyond_the_horizon_is_refused(app, dana, due_pickup):
    app.config["PLAN_HORIZON_DAYS"] = 10
    far = next_weekday(date.today() + timedelta(days=20))
    r = dana.request("POST", f"/api/v1/pickups/{due_pickup.id}/move", json={"day": far.isoformat()})
    assert r.status == 422 and r.json["errors"]["day"][0].startswith("Choose a day from tomorrow to")


def test_replanning_today_keeps_the_stops_already_collected(app, due_pickup, open_all_day_every_day, dana, session):
    today = site_today()
    plan_day(session, today)
    assert dana.request("POST", f"/api/v1/pickups/{due_pickup.id}/collected").status == 200

    plan_day(session, today)
    (stop,) = active_stops(session, today)
    assert stop.pickup_id == due_pickup.id and stop.pickup.status == PickupStatus.COLLECTED


def test_replanning_today_keeps_a_stop_the_courier_has_reached_and_its_window(app, due_pickup, open_all_day_every_day,
                                                                              session):
    today = site_today()
    plan_day(session, today)
    (stop,) = active_stops(session, today)
    reached = datetime.now(timezone.utc) - timedelta(minutes=5)
    stop.arrival_at = reached
    window = (stop.pickup.window_start, stop.pickup.window_end)
    session.commit()

    plan_day(session, today)
    (kept,) = active_stops(session, today)
    assert kept.pickup_id == due_pickup.id and kept.arrival_at == reached.replace(microsecond=kept.arrival_at.microsecond)
    assert (kept.pickup.status, kept.pickup.window_start, kept.pickup.window_end) == (PickupStatus.SCHEDULED, *window)
    assert "pickup_cancelled" not in session.scalars(sa.select(Notification.kind)).all()
