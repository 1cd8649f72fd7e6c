"""Planning never stalls the field: the search runs outside any transaction, one run per day at a time."""

import statistics
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from factories import next_weekday
from phones import Phone
from server.extensions import db
from server.models import CourierPlan, Notification, Pickup, PlanRun
from server.runner import run_due
from server.services.planning import plan_runs
from server.services.planning.customer import answer_pickup
from server.services.errors import Conflict
from server.services.notifications.notices import pickup_link
from server.services.planning.planning import plan_day
from common.enums import CustomerAnswer, PickupStatus

from test_planning import due_pickup  # noqa: F401  (fixture)

DAY = next_weekday(date.today())


def plan_in_a_thread(app, day: date, seconds: float) -> threading.Thread:
    def plan():
        with app.app_context():
            plan_day(db.session, day, seconds=seconds)

    thread = threading.Thread(target=plan, daemon=True)
    thread.start()
    return thread


def wait_until_searching(session, day: date, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        session.rollback()
        if session.scalar(sa.select(PlanRun.status).where(PlanRun.plan_date == day)) == "running":
            time.sleep(1.0)  # past reading what it plans from
            return
        time.sleep(0.05)
    raise AssertionError("the plan never started")


@pytest.mark.serial  # measures push latency while a search runs
def test_pushes_stay_quick_while_a_day_is_planned_for_20_seconds(app, live_server, due_pickup, logistics,
                                                                  session, is_postgres):
    """The embedded default: SQLite, where a search inside a write transaction held the one write lock.
    (PostgreSQL never locked pushes out; its latency on a loaded machine is no measure of planning.)"""
    if is_postgres:
        pytest.skip("the write lock this guards against is SQLite's")
    phone = Phone(base_url=live_server.url)
    assert phone.sign_in("amy").status == 200
    job_id = logistics.world.amy_job.id
    planner = plan_in_a_thread(app, DAY, seconds=20)
    wait_until_searching(session, DAY)

    latencies = []
    while planner.is_alive() and len(latencies) < 200:
        ev = phone.new_event("part_installed", job_id, part_number="PRN-FUS-220", serial=f"AR9{len(latencies):07d}")
        started = time.monotonic()
        r = phone.push([ev])
        latencies.append(time.monotonic() - started)
        assert r.status == 200 and r.json["results"][0]["status"] == "accepted", r.json
        time.sleep(0.1)
    planner.join(60)

    session.rollback()
    plan = session.scalar(sa.select(CourierPlan).where(CourierPlan.active))
    assert plan is not None and plan.solver_seconds >= 19, "the pushes ran while the search did"
    assert len(latencies) >= 20
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 < 0.5, f"push p95 {p95:.3f} s during the search (slowest {max(latencies):.1f} s)"


def test_a_pickup_the_customer_answers_during_the_search_is_not_scheduled_from_stale_data(app, due_pickup, session):
    token = pickup_link(due_pickup).rsplit("/", 1)[1]
    planner = plan_in_a_thread(app, DAY, seconds=4)
    wait_until_searching(session, DAY)
    answer_pickup(session, token, CustomerAnswer.NOT_READY)
    planner.join(60)

    session.rollback()
    pickup = session.get(Pickup, due_pickup.id)
    assert (pickup.status, pickup.customer_answer) == (PickupStatus.OPEN, CustomerAnswer.NOT_READY)
    assert session.scalars(sa.select(Notification.kind)).all() == [], "no invitation, so nothing to cancel"
    plan = session.scalar(sa.select(CourierPlan).where(CourierPlan.active))
    assert [route.stops for route in plan.routes] == []


def test_two_requests_for_a_day_share_one_run_and_make_one_plan(app, due_pickup, dana, session):
    first = dana.request("POST", "/api/v1/plans", json={"date": DAY.isoformat()})
    second = dana.request("POST", "/api/v1/plans", json={"date": DAY.isoformat()})
    assert first.status == second.status == 202 and first.json["id"] == second.json["id"]
    run_due(app)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(CourierPlan)) == 1
    assert session.get(PlanRun, first.json["id"]).status == "done"


def test_a_request_while_the_day_is_searched_plans_it_again_once_the_search_ends(app, due_pickup, session):
    planner = plan_in_a_thread(app, DAY, seconds=3)
    wait_until_searching(session, DAY)
    session.rollback()
    with pytest.raises(Conflict):
        plan_day(session, DAY, seconds=0.5)
    run = plan_runs.request_plan(session, DAY, None)
    planner.join(60)

    session.rollback()
    assert session.get(PlanRun, run.id).status == "done"
    plans = session.scalars(sa.select(CourierPlan.active).where(CourierPlan.plan_date == DAY)).all()
    assert sorted(plans) == [False, True], "planned once more with what was asked during the search"
