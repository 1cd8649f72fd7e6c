"""The simulation replays field activity through the real API and closes the loop."""

import sqlalchemy as sa

from server.demo.simulation import simulate
from server.models import FieldEvent, Notification, ReturnLine


def test_two_simulated_days_push_decide_plan_notify_and_receive(app, session):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0
    outcome = simulate(app, days=2, seed=3, planner_seconds=0.5)
    assert outcome.jobs_done > 20
    assert outcome.events_accepted == outcome.events_pushed > 0
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(FieldEvent)) == outcome.events_pushed
    undecided = session.scalar(sa.select(sa.func.count()).select_from(ReturnLine)
                               .where(ReturnLine.disposition.is_(None)))
    assert undecided == 0
    assert outcome.figures["lines_received"] > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) > 0
    assert outcome.courier_km_naive >= outcome.courier_km_planned
