"""The customer's signed link: confirm, not ready, another day; tampered and expired links refused."""

import email
import re
from email import policy as email_policy
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from factories import next_weekday
from common.enums import CustomerAnswer, PickupStatus
from server.models import BackgroundTask, Notification, Pickup
from server.runner import run_due
from server.services.planning.planning import plan_day
from test_planning import DAY, due_pickup, leave_for_courier  # noqa: F401  (fixtures)


@pytest.fixture
def link(app, due_pickup, session) -> str:
    plan_day(session, DAY)
    content = session.scalar(sa.select(Notification.content).where(Notification.kind == "pickup_scheduled"))
    text = email.message_from_string(content, policy=email_policy.default).get_body(("plain",)).get_content()
    return re.search(r"/pickup/([A-Za-z0-9_.\-]+)", text).group(1)


def test_the_link_shows_the_pickup_and_its_items(client, link, due_pickup):
    r = client.get(f"/api/v1/customer/pickups/{link}")
    assert r.status_code == 200
    assert r.json["id"] == due_pickup.id and r.json["status"] == "scheduled"
    assert {item["serial"] for item in r.json["items"]} == {"AR55555555", "MD00000001"}


def test_confirming_keeps_the_plan(client, link, due_pickup, session):
    r = client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "confirmed"})
    assert r.status_code == 200 and r.json["customer_answer"] == "confirmed" and r.json["status"] == "scheduled"


def test_asking_for_another_day_changes_the_plan(client, link, due_pickup, session):
    later = next_weekday(DAY)
    r = client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "another_day", "another_day": later.isoformat()})
    assert r.status_code == 200
    session.rollback()
    pickup = session.get(Pickup, due_pickup.id)
    assert (pickup.status, pickup.requested_date, pickup.customer_answer) == (PickupStatus.OPEN, later, CustomerAnswer.ANOTHER_DAY)
    assert session.scalar(sa.select(BackgroundTask.args).where(BackgroundTask.name == "plan_day"))["day"] == DAY.isoformat()
    assert "pickup_cancelled" not in session.scalars(sa.select(Notification.kind)).all()
    assert plan_day(session, later).pickups_due == 1


def test_not_ready_takes_the_visit_off_its_day(client, link, due_pickup, session):
    client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "not_ready"})
    session.rollback()
    pickup = session.get(Pickup, due_pickup.id)
    assert pickup.status == PickupStatus.OPEN and pickup.not_before == DAY + timedelta(days=1)


@pytest.mark.parametrize("day", [None, date.today().isoformat(), (date.today() + timedelta(days=400)).isoformat()],
                         ids=["missing", "today", "too-far"])
def test_another_day_must_be_a_day_from_tomorrow(client, link, day):
    r = client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "another_day", "another_day": day})
    assert r.status_code == 422 and "another_day" in r.json["errors"]


def test_a_tampered_link_is_refused(client, link):
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    r = client.get(f"/api/v1/customer/pickups/{forged}")
    assert r.status_code == 403 and "not valid" in r.json["message"]
    assert client.post(f"/api/v1/customer/pickups/{forged}/answer", json={"answer": "confirmed"}).status_code == 403


def test_an_expired_link_is_refused(app, client, link):
    app.config["CUSTOMER_LINK_TTL_DAYS"] = 0
    from server import clock

    clock.shift_to(clock.now() + timedelta(days=30))
    try:
        r = client.get(f"/api/v1/customer/pickups/{link}")
    finally:
        clock.reset()
    assert r.status_code == 403 and "expired" in r.json["message"]


def test_customer_links_open_nothing_else(client, link):
    assert client.get("/api/v1/returns", headers={"Authorization": f"Bearer {link}"}).status_code == 401


# -- what a customer link shows: the customer's data only ------------------------------

CUSTOMER_ITEM_FIELDS = {"part_number", "description", "serial", "quantity", "status"}
STAFF_NOTE = "Staff only: vendor credit disputed, escalate to procurement"


@pytest.fixture
def internal_facts(due_pickup, logistics, session) -> list[str]:
    """The engine's reasons, figures and alternatives, and a dispatcher's note, on the pickup's lines."""
    pickup = session.get(Pickup, due_pickup.id)
    for line in pickup.lines:
        line.override_comment = STAFF_NOTE
        line.disposition_overridden_by_id = logistics.world.dana.id
    session.commit()
    facts = [STAFF_NOTE]
    for line in pickup.lines:
        assert line.disposition_reason and line.alternatives
        facts += [line.disposition_reason, f"{line.expected_value:.2f}"]
        facts += [str(alternative) for alternative in line.alternatives]
    return facts


def test_the_link_answers_the_window_and_each_item_with_its_status_only(client, link, due_pickup, internal_facts):
    r = client.get(f"/api/v1/customer/pickups/{link}")
    assert r.status_code == 200
    assert set(r.json) == {"id", "reference", "site", "status", "not_before", "window_start", "window_end",
                           "customer_answer", "collected_at", "items"}
    assert r.json["window_start"] and r.json["site"] == "North Office"
    assert all(set(item) == CUSTOMER_ITEM_FIELDS for item in r.json["items"])
    assert {item["status"] for item in r.json["items"]} == {"pickup_scheduled"}
    body = r.get_data(as_text=True)
    assert not [fact for fact in internal_facts if fact in body]


def test_the_answer_echoes_the_customer_view_only(client, link, internal_facts):
    r = client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "confirmed"})
    assert r.status_code == 200 and r.json["customer_answer"] == "confirmed"
    assert all(set(item) == CUSTOMER_ITEM_FIELDS for item in r.json["items"])
    assert not [fact for fact in internal_facts if fact in r.get_data(as_text=True)]


def test_the_customer_page_shows_no_internal_field(client, link, internal_facts):
    page = client.get(f"/pickup/{link}").get_data(as_text=True)
    assert "AR55555555" in page
    assert not [fact for fact in internal_facts if fact in page]


def test_no_customer_email_carries_an_internal_field(app, client, link, due_pickup, dana, logistics, internal_facts,
                                                     session, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "confirmed"})
    assert dana.request("POST", f"/api/v1/pickups/{due_pickup.id}/collected").status == 200
    for serial in ("AR55555555", "MD00000001"):
        received = dana.request("POST", "/api/v1/facility/receive",
                                json={"facility_id": logistics.world.depot.id, "serial": serial})
        assert received.status == 200
    run_due(app)
    mails = [email.message_from_bytes(envelope.content, policy=email_policy.default)
             for envelope in smtp_server.handler.received]
    assert {m["To"].addresses[0].addr_spec for m in mails} == {"sam@customer.example"}
    assert len(mails) == 3  # scheduled, collected, received
    for message in mails:
        texts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
        assert any("AR55555555" in text for text in texts)
        assert not [fact for text in texts for fact in internal_facts if fact in text]


def test_a_visit_taken_off_its_day_cannot_be_confirmed(client, link):
    client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "not_ready"})
    r = client.post(f"/api/v1/customer/pickups/{link}/answer", json={"answer": "confirmed"})
    assert r.status_code == 422 and "answer" in r.json["errors"]
    assert client.get(f"/api/v1/customer/pickups/{link}").json["customer_answer"] == "not_ready"
