"""Feed events as signed webhooks to an integration: at least once, retried, de-duplicable, resent from a
dead letter."""

import json

import sqlalchemy as sa

from common.enums import StockGrade, StockLocationKind
from integration_fixtures import integration_with_key
from server.models import FeedEvent, Notification
from server.models.notifications import SENT
from server.notify.webhooks import verify
from server.runner import run_due
from server.services.integration import accounts
from server.services.integration.feed_webhooks import dead_letters, resend_from
from stock_fixtures import supply

SECRET = "whsec-erp"


def erp_with_webhook(session, url):
    integration, _key = integration_with_key(session)
    accounts.set_webhook(session, integration.id, url, SECRET, allow_loopback=True)
    return integration


def supplied(session, world, quantity=1):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.NEW, quantity)


def received_events(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests]


def test_each_event_is_posted_signed_with_its_id_as_idempotency_key(app, session, world, webhook_receiver):
    erp_with_webhook(session, webhook_receiver.url)
    supplied(session, world)
    run_due(app)
    [request] = webhook_receiver.requests
    assert verify(request.body, request.headers["X-Fieldloop-Signature"], SECRET)
    assert not verify(request.body, request.headers["X-Fieldloop-Signature"], "another secret")
    body = json.loads(request.body)
    event = session.scalars(sa.select(FeedEvent)).one()
    assert request.headers["Idempotency-Key"] == body["id"] == str(event.id)
    assert (body["type"], body["schema_version"], body["data"], body["refs"]) == (
        "stock.movement", 1, event.data, event.refs)
    assert request.headers["X-Fieldloop-Event"] == "stock.movement"


def test_a_failed_delivery_is_retried_and_arrives_with_the_same_id(app, session, world, webhook_receiver):
    erp_with_webhook(session, webhook_receiver.url)
    webhook_receiver.answers.append((503, {}, 0.0))
    supplied(session, world)
    run_due(app)
    session.rollback()
    [n] = session.scalars(sa.select(Notification)).all()
    assert n.status == "pending" and n.last_error == "The webhook receiver answered HTTP 503."
    run_due(app)  # the back-off of the tests' settings is zero
    first, second = webhook_receiver.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert json.loads(first.body) == json.loads(second.body)
    session.rollback()
    assert session.get(Notification, n.id).status == SENT


def test_no_webhook_is_queued_for_an_integration_without_one_or_disabled(app, session, world, webhook_receiver):
    erp = erp_with_webhook(session, webhook_receiver.url)
    integration_with_key(session, name="CRM", source="crm")
    erp.disabled_at = erp.created_at
    session.commit()
    supplied(session, world)
    run_due(app)
    assert webhook_receiver.requests == []
    assert session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_resend_from_a_dead_letter_sends_it_and_every_later_event_again(app, session, world, webhook_receiver):
    erp = erp_with_webhook(session, webhook_receiver.url)
    webhook_receiver.answers += [(204, {}, 0.0), (410, {}, 0.0)]  # the second is refused for good: a dead letter
    for quantity in (1, 2, 3):
        supplied(session, world, quantity)
    run_due(app)
    session.rollback()
    first, second, third = (str(e) for e in session.scalars(sa.select(FeedEvent.id).order_by(FeedEvent.seq)))
    [dead] = dead_letters(session, erp.id)
    assert (str(dead.feed_event_id), dead.last_error) == (second, "The webhook receiver answered HTTP 410.")
    webhook_receiver.requests.clear()

    assert resend_from(session, erp.id, dead.id) == 2
    run_due(app)
    assert sorted(e["id"] for e in received_events(webhook_receiver)) == sorted([second, third])
    session.rollback()
    assert dead_letters(session, erp.id) == []


def test_dead_letters_are_listed_oldest_event_first(app, session, world, webhook_receiver):
    erp = erp_with_webhook(session, webhook_receiver.url)
    webhook_receiver.answers += [(400, {}, 0.0), (400, {}, 0.0)]
    supplied(session, world, 1)
    supplied(session, world, 2)
    run_due(app)
    session.rollback()
    order = list(session.scalars(sa.select(FeedEvent.id).order_by(FeedEvent.txid, FeedEvent.seq)))
    assert [n.feed_event_id for n in dead_letters(session, erp.id)] == order
