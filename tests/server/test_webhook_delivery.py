"""A customer's webhook is checked again at each delivery, and its errors in the outbox are Fieldloop's own words."""

from server.models import Pickup
from server.notify.webhook_targets import REFUSED_ADDRESS
from server.runner import run_due
from server.services.planning.planning import plan_day
from test_planning import DAY, due_pickup, leave_for_courier  # noqa: F401  (fixtures)


def point_webhook_at(session, pickup_id: int, url: str) -> None:
    customer = session.get(Pickup, pickup_id).site.customer
    customer.webhook_url, customer.webhook_secret = url, "whsec-test"
    session.commit()


def webhook_notifications(dana) -> list[dict]:
    r = dana.request("GET", "/api/v1/notifications")
    assert r.status == 200
    return [n for n in r.json["items"] if n["channel"] == "webhook"]


def test_a_webhook_at_an_inside_page_is_not_a_probe(app, due_pickup, dana, live_server, session):
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = False  # as in production
    point_webhook_at(session, due_pickup.id, f"{live_server.url}/console/sign-in")
    plan_day(session, DAY)
    run_due(app)
    (notification,) = webhook_notifications(dana)
    assert notification["status"] == "failed" and notification["last_error"] == REFUSED_ADDRESS


def test_a_url_accepted_before_is_checked_again_when_it_is_delivered(app, due_pickup, dana, session, webhook_receiver):
    point_webhook_at(session, due_pickup.id, webhook_receiver.url)
    plan_day(session, DAY)
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = False
    run_due(app)
    assert webhook_receiver.requests == []
    (notification,) = webhook_notifications(dana)
    assert notification["status"] == "failed" and notification["last_error"] == REFUSED_ADDRESS


def test_a_receivers_answer_reaches_the_outbox_as_its_status_code_only(app, due_pickup, dana, session,
                                                                        webhook_receiver):
    point_webhook_at(session, due_pickup.id, webhook_receiver.url)
    webhook_receiver.answers.append((404, {"Location": "https://elsewhere.example/"}, 0.0))
    plan_day(session, DAY)
    run_due(app)
    assert len(webhook_receiver.requests) == 1
    (notification,) = webhook_notifications(dana)
    assert notification["last_error"] == "The webhook receiver answered HTTP 404."
