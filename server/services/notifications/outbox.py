"""The notification outbox: queue a message in the transaction that decides it,
deliver it afterwards with retries. Its webhooks go to customers, or carry feed
events to integrations (server/services/integration/feed_webhooks.py).

Delivery is at least once and, in practice, once: a message is marked
``sending`` (committed) before it is handed to SMTP or the webhook receiver
and ``sent`` after; an SMTP or HTTP failure that says the message was not
taken leaves it ``pending`` and the task is retried with back-off, so a
failure never sends it twice. Only a worker that dies between the hand-over
and the ``sent`` mark sends it again, with the same Message-ID or
Idempotency-Key, which receivers use to drop the repeat.
"""

import json
from datetime import datetime
from email import message_from_string, policy as email_policy
from email.message import EmailMessage

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from server.database import begin_write
from server.models import Customer, FeedEvent, Integration, Notification
from server.models.notifications import EMAIL, FAILED, PENDING, SENDING, SENT, WEBHOOK
from server.models.types import utcnow
from server.notify.transports import FolderTransport, MailTransport, SmtpTransport, TransportError
from server.notify.webhooks import post_webhook
from server.runner.queue import enqueue

DELIVER_TASK = "deliver_notification"


class DeliveryDeferred(Exception):
    """The receiver did not take the message this time; the task will try again later."""


def _add(session: so.Session, notification: Notification) -> Notification | None:
    try:
        with session.begin_nested():
            session.add(notification)
    except sa.exc.IntegrityError:
        return None  # the same message was already queued
    enqueue(session, DELIVER_TASK, {"notification_id": notification.id})
    return notification


def queue_email(session: so.Session, message: EmailMessage, *, kind: str, idempotency_key: str,
                pickup_id: int | None = None) -> Notification | None:
    """Queue an email; None if this key was queued before. Runs in the caller's transaction."""
    return _add(session, Notification(
        channel=EMAIL, kind=kind, recipient=str(message["To"]), subject=str(message["Subject"]),
        idempotency_key=idempotency_key, content=message.as_string(), pickup_id=pickup_id,
    ))


def queue_webhook(session: so.Session, customer: Customer, event_type: str, payload: dict, *, idempotency_key: str,
                  pickup_id: int | None = None) -> Notification | None:
    """Queue a webhook call to the customer, if they have one; runs in the caller's transaction."""
    if not customer.webhook_url:
        return None
    document = {"customer_id": customer.id, "type": event_type, "data": payload, "created": utcnow().isoformat()}
    return _add(session, Notification(
        channel=WEBHOOK, kind=event_type, recipient=customer.webhook_url, subject=event_type,
        idempotency_key=f"webhook:{idempotency_key}", content=json.dumps(document, default=str), pickup_id=pickup_id,
    ))


def queue_feed_webhooks(session: so.Session, integrations: list[Integration],
                        events: list[tuple[FeedEvent, dict]]) -> list[Notification]:
    """Queue each feed event's webhook (the event and its document) to each integration, with one flush; runs in
    the transaction that wrote the events. The receiver gets the event's id as the Idempotency-Key, so a repeat
    is dropped by id."""
    notifications = []
    for event, document in events:
        content = json.dumps(document)
        notifications += [Notification(
            channel=WEBHOOK, kind=event.type, recipient=integration.webhook_url, subject=event.type,
            idempotency_key=f"feed:{integration.id}:{event.id}", content=content,
            integration_id=integration.id, feed_event_id=event.id,
        ) for integration in integrations]
    session.add_all(notifications)
    session.flush()
    for notification in notifications:
        enqueue(session, DELIVER_TASK, {"notification_id": notification.id})
    return notifications


def mail_transport(config: dict) -> MailTransport:
    if config.get("SMTP_HOST"):
        return SmtpTransport(
            config["SMTP_HOST"], config["SMTP_PORT"], username=config.get("SMTP_USERNAME"),
            password=config.get("SMTP_PASSWORD"), starttls=config.get("SMTP_STARTTLS", False),
            ssl=config.get("SMTP_SSL", False),
        )
    return FolderTransport(config["MAIL_FOLDER"])


def deliver(session: so.Session, notification_id: int, transport: MailTransport, *, max_attempts: int,
            webhook_timeout_s: float, webhook_allow_loopback: bool) -> None:
    """Send one queued notification. Commits its own progress (a non-transactional task).

    A webhook's URL is checked again here, at delivery: where it may go is decided on what its
    host resolves to now (server/notify/webhook_targets.py)."""
    begin_write(session)
    n = session.get(Notification, notification_id)
    if n is None or n.status in (SENT, FAILED):
        session.commit()
        return
    n.status, n.attempts = SENDING, n.attempts + 1
    session.commit()
    try:
        if n.channel == EMAIL:
            transport.send(message_from_string(n.content, policy=email_policy.default))
        else:
            _post(session, n, webhook_timeout_s, webhook_allow_loopback)
    except TransportError as err:
        begin_write(session)
        n = session.get(Notification, notification_id)
        n.last_error = str(err)
        n.status = FAILED if err.permanent or n.attempts >= max_attempts else PENDING
        session.commit()
        if n.status == PENDING:
            raise DeliveryDeferred(str(err)) from err
        return
    begin_write(session)
    n = session.get(Notification, notification_id)
    n.status, n.sent_at, n.last_error = SENT, utcnow(), None
    session.commit()


def _post(session: so.Session, n: Notification, timeout_s: float, allow_loopback: bool) -> None:
    document = json.loads(n.content)
    if n.integration_id is not None:
        return _post_feed_event(session, n, document, timeout_s, allow_loopback)
    customer = session.get(Customer, document["customer_id"])
    if customer is None or not customer.webhook_secret:
        raise TransportError("The customer's webhook has no secret any more.", permanent=True)
    post_webhook(n.recipient, document["type"], document["data"], customer.webhook_secret, n.idempotency_key,
                 timeout_s, created=datetime.fromisoformat(document["created"]), allow_loopback=allow_loopback)


def _post_feed_event(session: so.Session, n: Notification, event: dict, timeout_s: float,
                     allow_loopback: bool) -> None:
    """A feed event to its integration's webhook as it is now (a URL fixed after failures is used on resend)."""
    integration = session.get(Integration, n.integration_id)
    if integration is None or integration.disabled_at is not None:
        raise TransportError("The integration is disabled.", permanent=True)
    if not integration.webhook_url or not integration.webhook_secret:
        raise TransportError("The integration's webhook has no URL or no secret any more.", permanent=True)
    extra = {key: event[key] for key in ("schema_version", "occurred_at", "recorded_at", "refs")}
    post_webhook(integration.webhook_url, event["type"], event["data"], integration.webhook_secret, event["id"],
                 timeout_s, created=datetime.fromisoformat(event["occurred_at"]), allow_loopback=allow_loopback,
                 extra=extra)


def resend(session: so.Session, notification_id: int) -> Notification:
    """Queue a failed or sent notification again, by a dispatcher's decision."""
    begin_write(session)
    n = session.get(Notification, notification_id)
    n.status, n.last_error = PENDING, None
    enqueue(session, DELIVER_TASK, {"notification_id": n.id})
    session.commit()
    return n

