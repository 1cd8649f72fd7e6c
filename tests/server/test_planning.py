"""Planning courier rounds over due pickups, storing them, and telling customers."""

import email
import uuid
from datetime import date, timedelta
from email import policy as email_policy
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from factories import next_weekday
from common.enums import PickupStatus, ReturnStatus
from server.models import CourierPlan, Notification, Pickup
from server.runner import run_due
from server.logistics.plan_days import access_window
from server.services.planning.pickup_days import move_pickup
from server.services.planning.planning import plan_day



DAY = next_weekday(date.today())


def leave_for_courier(app, phone, job_id, *removals):
    """Log removals of items too big or hazardous to carry; the engine sends them to a pickup."""
    ids = []
    for part_number, serial in removals:
        ev = phone.new_event("part_removed", job_id, part_number=part_number, serial=serial, condition="faulty",
                             failure_code="electrical")
        assert phone.push([ev]).json["results"][0]["status"] == "accepted"
        ids.append(uuid.UUID(ev["id"]))
    run_due(app)
    return ids


@pytest.fixture
def due_pickup(app, amy, logistics, session):
    leave_for_courier(app, amy, logistics.world.amy_job.id, ("PRN-MFP-C550", "AR55555555"), ("MED-BAT-V12", "MD00000001"))
    session.rollback()
    return session.scalar(sa.select(Pickup))


def test_due_pickups_become_a_stored_route_and_their_lines_are_scheduled(due_pickup, logistics, session):
    plan = plan_day(session, DAY, logistics.world.dana)
    session.rollback()
    plan = session.get(CourierPlan, plan.id)
    assert plan.active and plan.pickups_due == 1 and plan.pickups_skipped == 0
    (route,) = plan.routes
    assert [s.pickup_id for s in route.stops] == [due_pickup.id]
    assert route.vehicle_id == logistics.van.id and route.distance_km > 0
    pickup = session.get(Pickup, due_pickup.id)
    assert pickup.status == PickupStatus.SCHEDULED and pickup.planned_date == DAY
    assert {line.status for line in pickup.lines} == {ReturnStatus.PICKUP_SCHEDULED}
    assert plan.naive_distance_km >= plan.total_distance_km


def test_planned_stops_respect_access_hours_and_van_capacity(due_pickup, logistics, session):
    plan = plan_day(session, DAY)
    session.rollback()
    for route in session.get(CourierPlan, plan.id).routes:
        assert route.load_weight_kg <= logistics.van.capacity_weight_kg
        assert route.load_volume_l <= logistics.van.capacity_volume_l
        for stop in route.stops:
            opens, closes = access_window(stop.pickup.site.access_hours, DAY)
            local = stop.service_start_at.astimezone(ZoneInfo("Europe/London"))
            assert opens <= local.hour * 60 + local.minute <= closes
            assert stop.pickup.window_start <= stop.arrival_at + timedelta(minutes=60)
            start = stop.pickup.window_start.astimezone(ZoneInfo("Europe/London"))
            end = stop.pickup.window_end.astimezone(ZoneInfo("Europe/London"))
            assert opens <= start.hour * 60 + start.minute and end.hour * 60 + end.minute <= closes


def test_a_site_closed_that_day_is_not_visited(due_pickup, logistics, session):
    saturday = DAY + timedelta(days=(5 - DAY.weekday()) % 7)
    plan = plan_day(session, saturday)
    assert plan.pickups_due == 0 and plan.routes == []


def test_a_pickup_below_every_threshold_waits(app, amy, logistics, session):
    w = logistics.world
    # A small, hazardous battery: not worth a trip on its own, and its window has not run out.
    leave_for_courier(app, amy, w.amy_job.id, ("MED-BAT-V12", "MD00000001"))
    plan = plan_day(session, DAY)
    assert plan.pickups_due == 0
    assert session.scalar(sa.select(Pickup.status)) == PickupStatus.OPEN


def test_scheduling_queues_an_invitation_once(due_pickup, session):
    plan_day(session, DAY)
    plan_day(session, DAY)  # re-planning with the same window tells nobody again
    kinds = session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds.count("pickup_scheduled") == 1
    plans = session.scalars(sa.select(CourierPlan.active).where(CourierPlan.plan_date == DAY)).all()
    assert sorted(plans) == [False, True]


def test_the_pickup_email_reaches_a_real_smtp_server_with_a_valid_invitation(app, due_pickup, session, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    plan_day(session, DAY)
    run_due(app)
    (envelope,) = smtp_server.handler.received
    assert envelope.rcpt_tos == ["sam@customer.example"]
    message = email.message_from_bytes(envelope.content, policy=email_policy.default)
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert calendars
    event = icalendar.Calendar.from_ical(calendars[0].get_payload(decode=True)).walk("VEVENT")[0]
    session.rollback()
    pickup = session.get(Pickup, due_pickup.id)
    assert event.decoded("DTSTART") == pickup.window_start
    assert event.decoded("DTEND") == pickup.window_end
    assert int(event.get("SEQUENCE")) == pickup.calendar_sequence
    text = message.get_body(("plain",)).get_content()
    assert "/pickup/" in text and "AR55555555" in text
    assert session.scalar(sa.select(Notification.status).where(Notification.kind == "pickup_scheduled")) == "sent"


def test_an_smtp_failure_is_retried_and_the_mail_arrives_once(app, due_pickup, session, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    smtp_server.handler.data_replies.append("451 4.3.0 Try again later")
    plan_day(session, DAY)
    run_due(app)
    session.rollback()
    n = session.scalar(sa.select(Notification).where(Notification.kind == "pickup_scheduled"))
    assert (n.status, n.attempts) == ("pending", 1) and "451" in n.last_error
    assert smtp_server.handler.received == []
    run_due(app)
    run_due(app)
    assert len(smtp_server.handler.received) == 1
    session.rollback()
    assert session.get(Notification, n.id).status == "sent"


def test_a_permanent_smtp_refusal_fails_the_notification_without_retrying(app, due_pickup, session, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    smtp_server.handler.data_replies.append("550 5.1.1 No such mailbox")
    plan_day(session, DAY)
    run_due(app)
    run_due(app)
    n = session.scalar(sa.select(Notification).where(Notification.kind == "pickup_scheduled"))
    assert n.status == "failed" and n.attempts == 1


def test_without_smtp_mail_is_written_to_the_folder(app, due_pickup, session, tmp_path):
    app.config.update(SMTP_HOST=None, MAIL_FOLDER=str(tmp_path / "outbox"))
    plan_day(session, DAY)
    run_due(app)
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert email.message_from_bytes(files[0].read_bytes())["To"] == "sam@customer.example"


def test_customer_webhook_is_signed_and_verifies(app, due_pickup, logistics, session, webhook_receiver):
    from server.notify.webhooks import verify

    site = session.get(Pickup, due_pickup.id).site
    site.customer.webhook_url, site.customer.webhook_secret = webhook_receiver.url, "whsec-test"
    session.commit()
    plan_day(session, DAY)
    run_due(app)
    (request,) = webhook_receiver.requests
    assert verify(request.body, request.headers["X-Fieldloop-Signature"], "whsec-test")
    assert not verify(request.body + b" ", request.headers["X-Fieldloop-Signature"], "whsec-test")
    assert request.headers["X-Fieldloop-Event"] == "pickup_scheduled"


def test_the_day_before_the_customer_is_reminded_once(app, due_pickup, logistics, session):
    from server.tasks import send_pickup_reminders

    site = logistics.world.north
    site.access_hours = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    session.commit()
    plan_day(session, date.today() + timedelta(days=1))
    send_pickup_reminders(session)
    send_pickup_reminders(session)
    session.commit()
    assert session.scalars(sa.select(Notification.kind)).all().count("pickup_reminder") == 1


def test_moving_a_pickup_takes_it_off_its_day_and_plans_it_on_the_new_day(due_pickup, logistics, session):
    plan_day(session, DAY)
    later = next_weekday(DAY)
    move_pickup(session, due_pickup.id, later)
    session.rollback()
    pickup = session.get(Pickup, due_pickup.id)
    assert (pickup.status, pickup.requested_date, pickup.window_start) == (PickupStatus.OPEN, later, None)
    plan = plan_day(session, later)
    assert plan.pickups_due == 1
    session.rollback()
    assert session.get(Pickup, due_pickup.id).planned_date == later
    kinds = session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["pickup_scheduled", "pickup_scheduled"], "the new day's invitation replaces the old one"


def test_collection_and_receipt_close_the_loop_and_tell_the_customer(app, due_pickup, logistics, dana, session):
    plan_day(session, DAY)
    r = dana.request("POST", f"/api/v1/pickups/{due_pickup.id}/collected")
    assert r.status == 200 and r.json["status"] == "collected"
    assert {line["status"] for line in r.json["lines"]} == {"in_transit"}
    for line in r.json["lines"]:
        received = dana.request("POST", "/api/v1/facility/receive",
                                json={"facility_id": logistics.world.depot.id, "serial": line["serial"],
                                      "condition": "damaged"})
        assert received.status == 200 and received.json["status"] == "received"
    kinds = session.scalars(sa.select(Notification.kind)).all()
    assert "items_collected" in kinds and "items_received" in kinds
    again = dana.request("POST", "/api/v1/facility/receive",
                         json={"facility_id": logistics.world.depot.id, "serial": "AR55555555"})
    assert again.status == 409


def test_plans_are_made_in_the_background_and_served_over_the_api(app, due_pickup, dana, session):
    r = dana.request("POST", "/api/v1/plans", json={"date": DAY.isoformat(), "seconds": 0.5})
    assert r.status == 202 and r.json["status"] == "queued"
    assert r.headers["Location"].endswith(r.json["status_url"])
    run_due(app)
    session.rollback()
    run = dana.request("GET", r.json["status_url"]).json
    assert run["status"] == "done" and run["finished_at"]
    plan = dana.request("GET", f"/api/v1/plans/{DAY.isoformat()}").json
    assert plan["id"] == run["plan_id"]
    assert plan["routes"][0]["stops"][0]["pickup_id"] == due_pickup.id
    assert dana.request("GET", "/api/v1/plans/not-a-date").status == 404
