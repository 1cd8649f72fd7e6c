"""Chasing escalates an unconfirmed line step by step, each step once, and finally writes it off."""

from datetime import timedelta

import sqlalchemy as sa

from common.enums import ReturnStatus
from server.logistics.escalation import ChasingRules
from server.models import Notification, ReturnLine
from server.services.returns.chasing import escalate
from server.services.returns.figures import compute_figures

RULES = ChasingRules(engineer_reminder_days=1, dispatcher_days=3, customer_days=7, write_off_days=30)


def unconfirmed_line(session, amy, world) -> ReturnLine:
    world.amy.email = "amy@fieldloop.example"
    world.dana.email = "dana@fieldloop.example"
    world.north.customer.webhook_url = "http://127.0.0.1:9/hooks"
    session.commit()
    amy.push([amy.new_event("job_completed", world.amy_job.id)])
    session.rollback()
    return session.scalar(sa.select(ReturnLine))


def kinds(session) -> list[str]:
    return sorted(session.scalars(sa.select(Notification.kind)))


def test_a_line_takes_the_steps_due_once_each(amy, world, session):
    line = unconfirmed_line(session, amy, world)
    assert escalate(session, RULES, now=line.removed_at + timedelta(days=4)) == {"engineer_reminder": 1, "dispatcher": 1}
    assert escalate(session, RULES, now=line.removed_at + timedelta(days=5)) == {}
    assert kinds(session) == ["overdue_alert", "overdue_alert"]
    assert escalate(session, RULES, now=line.removed_at + timedelta(days=8)) == {"customer": 1}
    assert escalate(session, RULES, now=line.removed_at + timedelta(days=9)) == {}
    assert kinds(session) == ["overdue_alert", "overdue_alert", "return_chased"]
    assert line.escalation_step == "customer"


def test_the_write_off_records_the_value_lost_and_the_figures_show_it(amy, world, session):
    line = unconfirmed_line(session, amy, world)
    assert compute_figures(session)["value_at_risk"] == float(world.fuser.residual_value)
    escalate(session, RULES, now=line.removed_at + timedelta(days=31))
    session.commit()
    assert (line.status, line.written_off_value) == (ReturnStatus.WRITTEN_OFF, world.fuser.residual_value)
    figures = compute_figures(session)
    assert (figures["value_at_risk"], figures["value_written_off"]) == (0, float(world.fuser.residual_value))
    assert escalate(session, RULES, now=line.removed_at + timedelta(days=60)) == {}
