"""The source system also takes the feed as signed webhooks, on a real HTTP server of its own that fails
some deliveries and is too slow for others: every event arrives at least once, exactly once after
de-duplication by the Idempotency-Key, each signed, and each as the feed itself hands it over."""

import json

import sqlalchemy as sa

from fake_source import FeedReader
from scripted_day import DAY_TYPES, afternoon, morning
from server.models import Notification
from server.models.notifications import PENDING
from server.notify.webhooks import verify
from server.runner import run_due
from server.services.integration import accounts

SECRET = "whsec-northwind"
WEBHOOK_TIMEOUT_S = 0.3
#: The receiver's answers, in turn: refused, taken too slowly (so Fieldloop retries what it got), fine...
ANSWERS = [(503, {}, 0.0), (204, {}, 0.6), (500, {}, 0.0), (204, {}, 0.0), (204, {}, 0.6), (429, {}, 0.0)]


def delivered(app, session, rounds: int = 20) -> None:
    """Run the outbox until no webhook is waiting for another attempt."""
    for _ in range(rounds):
        run_due(app)
        session.rollback()
        if not session.scalar(sa.select(sa.func.count()).select_from(Notification)
                              .where(Notification.status == PENDING)):
            return
    raise AssertionError("webhooks still waiting after every round")


def test_every_fact_arrives_as_a_signed_webhook_exactly_once_after_de_duplication(
        app, amy, dana, logistics, integration_key, session, source, webhook_receiver):
    integration, _key = integration_key
    accounts.set_webhook(session, integration.id, webhook_receiver.url, SECRET, allow_loopback=True)
    app.config["WEBHOOK_TIMEOUT_S"] = WEBHOOK_TIMEOUT_S
    webhook_receiver.answers.extend(ANSWERS * 3)

    lines = morning(app, amy, logistics)
    delivered(app, session)
    afternoon(app, dana, logistics, session, lines)
    delivered(app, session)

    received: dict[str, dict] = {}
    for request in webhook_receiver.requests:
        assert verify(request.body, request.headers["X-Fieldloop-Signature"], SECRET)
        event = json.loads(request.body)
        assert request.headers["Idempotency-Key"] == event["id"]
        assert received.setdefault(event["id"], event) == event
    assert len(webhook_receiver.requests) > len(received)  # some arrived twice: the receiver kept one
    from_the_feed = FeedReader(source, limit=100).read_to_end()
    assert set(received) == {e["id"] for e in from_the_feed}
    assert DAY_TYPES <= {e["type"] for e in received.values()}
    assert all(received[e["id"]][name] == e[name] for e in from_the_feed for name in ("type", "data", "refs"))
