"""The simulation replays field activity through the real API, up to now and never beyond, and closes the loop."""

from collections import defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from common.enums import DeliveryStatus, ProcessingOutcome, ReturnStatus
from server.demo.simulation import simulate, simulated_days
from server.models import Delivery, Facility, FieldEvent, Job, Notification, ProcessingRecord, ReturnLine
from server.models.types import utcnow
from timeline import dated_after


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--history-days", "0"])
    assert result.exit_code == 0, result.output


def test_two_simulated_days_push_decide_plan_notify_and_receive(app, demo, session):
    outcome = simulate(app, days=2, seed=3, planner_seconds=0.5)
    assert outcome.jobs_done > 10  # the day before today is a whole day, whatever the time now
    assert outcome.events_accepted == outcome.events_pushed > 0
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(FieldEvent)) == outcome.events_pushed
    # A line nobody confirmed removing (the customer kept the unit) waits for its removal, not for a decision.
    undecided = session.scalar(sa.select(sa.func.count()).select_from(ReturnLine)
                               .where(ReturnLine.disposition.is_(None), ReturnLine.status != ReturnStatus.UNCONFIRMED))
    assert undecided == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) > 0
    assert outcome.courier_km_naive >= outcome.courier_km_planned


def test_the_simulated_days_end_today_and_nothing_is_dated_after_now(app, demo, session):
    outcome = simulate(app, days=2, seed=3, planner_seconds=0.5)
    session.rollback()
    now = utcnow()
    assert outcome.days[-1] <= now.date() and all(day.weekday() < 5 for day in outcome.days)
    assert dated_after(session, now) == []
    done_ahead = session.scalars(sa.select(Job.reference).where(Job.window_start > now, Job.completed_at.is_not(None)))
    assert done_ahead.all() == []


def test_a_second_simulation_goes_on_with_each_phones_numbering(app, demo, session):
    earlier, later = simulated_days(3, date.today())[:2]  # two whole weekdays before today
    first = simulate(app, days=1, seed=3, start=earlier, planner_seconds=0.5)
    again = simulate(app, days=1, seed=4, start=later, planner_seconds=0.5)
    assert first.events_accepted == first.events_pushed > 0
    assert again.events_accepted == again.events_pushed > 0


@pytest.mark.parametrize("today, days, start, expected", [
    (date(2026, 12, 1), 3, None, [date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1)]),  # Fri, Mon, Tue
    (date(2026, 12, 6), 2, None, [date(2026, 12, 3), date(2026, 12, 4)]),  # on a Sunday: Thu and Fri
    (date(2026, 12, 1), 2, date(2026, 11, 28), [date(2026, 11, 30), date(2026, 12, 1)]),  # from a Saturday
])
def test_the_weekdays_simulated_are_the_last_ones_up_to_today_or_the_first_from_a_start(today, days, start, expected):
    assert simulated_days(days, today, start) == expected


def test_a_start_that_would_run_past_today_is_refused():
    with pytest.raises(ValueError, match="after today"):
        simulated_days(3, date(2026, 12, 1), date(2026, 11, 30))


def test_the_simulate_command_refuses_to_run_into_the_future(app, demo):
    tomorrow = date.today() + timedelta(days=1)
    result = app.test_cli_runner().invoke(args=["simulate", "--days", "1", "--start", tomorrow.isoformat()])
    assert result.exit_code != 0 and "after today" in result.output


def test_the_bench_refurbishes_no_more_per_day_than_its_hours_and_the_rest_waits(app, demo, session):
    centre = session.scalar(sa.select(Facility).where(Facility.bench_hours_per_weekday > 0))
    centre.bench_hours_per_weekday = 3.0
    session.commit()
    outcome = simulate(app, days=4, seed=5, planner_seconds=0.5)
    session.rollback()
    hours_by_day = defaultdict(float)
    for record in session.scalars(sa.select(ProcessingRecord).where(
            ProcessingRecord.facility_id == centre.id,
            ProcessingRecord.outcome.in_([ProcessingOutcome.REFURBISHED, ProcessingOutcome.REFURBISH_FAILED]))):
        hours_by_day[record.at.date()] += record.hours
    assert outcome.refurbished > 0
    assert hours_by_day and max(hours_by_day.values()) <= 3.0
    assert outcome.queue_by_day[-1][1] > 0  # more came back than three hours a day could take


def test_the_simulated_loop_reserves_delivers_and_installs_from_stock(app, demo, session):
    outcome = simulate(app, days=3, seed=3, planner_seconds=0.5)
    session.rollback()
    assert outcome.deliveries_arrived > 0
    assert outcome.figures["installs"] > 0 and outcome.figures["circularity_rate"] > 0
    assert [day for day, _ in outcome.stock_by_day] == outcome.days
    late = session.scalars(sa.select(Delivery).where(Delivery.status == DeliveryStatus.DELIVERED,
                                                     Delivery.arrived_at > Delivery.deadline)).all()
    assert late == []
