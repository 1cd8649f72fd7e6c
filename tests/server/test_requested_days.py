"""A day the customer or a dispatcher asks for is a hard fact: re-planning another day never takes it back."""

import email
from datetime import date, timedelta
from email import policy as email_policy

import icalendar
import sqlalchemy as sa

from common.enums import CustomerAnswer, PickupStatus
from factories import next_weekday
from server.models import Pickup, PlanRun
from server.runner import run_due
from server.services.planning.customer import answer_pickup
from server.services.notifications.notices import pickup_link
from server.services.planning.planning import plan_day

from test_planning import due_pickup  # noqa: F401  (fixture)

ASKED = next_weekday(date.today())  # "Wed 2 Dec"
OLD = next_weekday(ASKED + timedelta(days=7))  # "Fri 11 Dec"


def sent_mails(smtp_server) -> list:
    return [email.message_from_bytes(e.content, policy=email_policy.default) for e in smtp_server.handler.received]


def invited_day(message) -> date | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            event = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
            return event.decoded("DTSTART").date()
    return None


def scheduled_on_old_day(app, session, smtp_server, pickup) -> str:
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    plan_day(session, OLD)
    run_due(app)
    session.rollback()
    assert session.get(Pickup, pickup.id).planned_date == OLD
    return pickup_link(session.get(Pickup, pickup.id)).rsplit("/", 1)[1]


def test_the_customers_earlier_day_is_kept_when_the_old_day_is_replanned(app, due_pickup, session, smtp_server):
    token = scheduled_on_old_day(app, session, smtp_server, due_pickup)

    answer_pickup(session, token, CustomerAnswer.ANOTHER_DAY, ASKED)
    run_due(app)  # re-plans the old day in the background
    session.rollback()
    pickup = session.get(Pickup, due_pickup.id)
    assert (pickup.status, pickup.requested_date) == (PickupStatus.OPEN, ASKED), "not back on the old day"

    plan_day(session, ASKED)  # the evening plan of the day asked for
    run_due(app)
    session.rollback()
    assert session.get(Pickup, due_pickup.id).planned_date == ASKED
    mails = sent_mails(smtp_server)
    assert not [m for m in mails if m["Subject"].startswith("Cancelled")]
    assert [invited_day(m) for m in mails] == [OLD, ASKED], "the new invitation replaces the old one"


def test_a_dispatchers_move_to_an_earlier_day_is_kept(app, due_pickup, dana, session, smtp_server):
    scheduled_on_old_day(app, session, smtp_server, due_pickup)

    r = dana.request("POST", f"/api/v1/pickups/{due_pickup.id}/move", json={"day": ASKED.isoformat()})
    assert r.status == 200 and r.json["requested_date"] == ASKED.isoformat()
    run_due(app)
    plan_day(session, ASKED)
    run_due(app)
    session.rollback()
    assert session.get(Pickup, due_pickup.id).planned_date == ASKED
    assert [invited_day(m) for m in sent_mails(smtp_server)] == [OLD, ASKED]


def test_asking_for_a_day_already_planned_plans_it_again_with_the_pickup(app, due_pickup, dana, session, smtp_server):
    scheduled_on_old_day(app, session, smtp_server, due_pickup)
    plan_day(session, ASKED)  # planned before the request, without this pickup
    dana.request("POST", f"/api/v1/pickups/{due_pickup.id}/move", json={"day": ASKED.isoformat()})
    run_due(app)
    session.rollback()
    assert session.get(Pickup, due_pickup.id).planned_date == ASKED


def test_a_requested_day_with_no_room_moves_to_the_next_open_day_and_says_why(app, due_pickup, logistics, session,
                                                                              smtp_server):
    token = scheduled_on_old_day(app, session, smtp_server, due_pickup)
    answer_pickup(session, token, CustomerAnswer.ANOTHER_DAY, ASKED)
    logistics.van.capacity_weight_kg = 50  # the 95 kg printer no longer fits
    session.commit()

    plan_day(session, ASKED)
    run_due(app)
    session.rollback()
    pickup = session.get(Pickup, due_pickup.id)
    following = next_weekday(ASKED)
    assert (pickup.status, pickup.requested_date) == (PickupStatus.OPEN, following)
    told = sent_mails(smtp_server)[-1]
    assert told["Subject"].startswith("We cannot collect on")
    text = told.get_body(("plain",)).get_content()
    assert "no van has room that day" in text and f"{following:%A} {following.day} {following:%B}" in text
    note = session.scalar(sa.select(PlanRun.message).where(PlanRun.plan_date == ASKED))
    assert pickup.reference in note and "no van has room" in note
