"""Feed events pushed as signed webhooks to the integrations that have one, through the outbox.

Each event written in a transaction is queued, before that transaction
commits, for every enabled integration with a webhook URL: the event and its
webhooks commit together or not at all. Delivery is the outbox's: retried with
back-off, at least once, the event id as Idempotency-Key. What failed for good
waits in the dead letters until someone resends it, with every later event of
that integration, in feed order.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.database import begin_write
from server.models import FeedEvent, Integration, Notification
from server.models.notifications import FAILED, PENDING, SENT
from server.runner.queue import enqueue
from server.services.errors import NotFound
from server.services.integration.feed import event_document
from server.services.integration.feed_log import NEW_EVENTS
from server.services.notifications import outbox

#: Events per query when many were written in one transaction (a large push).
_CHUNK = 500


def register_feed_webhooks() -> None:
    """Queue the webhooks of new feed events before each commit; create_app calls it (idempotent)."""
    if not sa.event.contains(so.Session, "before_commit", queue_new_events):
        sa.event.listen(so.Session, "before_commit", queue_new_events)


def queue_new_events(session: so.Session) -> None:
    event_ids = session.info.pop(NEW_EVENTS, None)
    if not event_ids:
        return
    integrations = session.scalars(sa.select(Integration).where(
        Integration.webhook_url.is_not(None), Integration.webhook_secret.is_not(None),
        Integration.disabled_at.is_(None)).order_by(Integration.id)).all()
    if not integrations:
        return
    for start in range(0, len(event_ids), _CHUNK):
        # Read back: an event written in a savepoint that was rolled back is not there any more.
        events = session.scalars(sa.select(FeedEvent).where(FeedEvent.id.in_(event_ids[start:start + _CHUNK]))
                                 .order_by(FeedEvent.seq)).all()
        outbox.queue_feed_webhooks(session, integrations, [(event, event_document(event)) for event in events])


def dead_letters(session: so.Session, integration_id: int) -> list[Notification]:
    """The integration's feed webhooks that failed for good, oldest event first."""
    return session.scalars(
        sa.select(Notification).outerjoin(FeedEvent, FeedEvent.id == Notification.feed_event_id)
        .where(Notification.integration_id == integration_id, Notification.status == FAILED)
        .order_by(FeedEvent.txid, FeedEvent.seq, Notification.id)
    ).all()


def resend_from(session: so.Session, integration_id: int, notification_id: int) -> int:
    """Queue again this feed webhook and every one of the same integration after it in feed order, failed
    or sent (receivers drop repeats by event id); those still on their way are left to arrive. Owns the
    transaction; returns how many were queued."""
    begin_write(session)
    first = session.get(Notification, notification_id)
    if first is None or first.integration_id != integration_id:
        raise NotFound("This integration has no such delivery.")
    position = session.execute(
        sa.select(FeedEvent.txid, FeedEvent.seq).where(FeedEvent.id == first.feed_event_id)
    ).one_or_none()
    query = sa.select(Notification).where(Notification.integration_id == integration_id)
    if position is None:
        # Its event is past the feed's retention: go by the order the webhooks were queued in.
        query = query.where(Notification.id >= first.id)
    else:
        later_event = sa.select(FeedEvent.id).where(
            sa.tuple_(FeedEvent.txid, FeedEvent.seq) >= sa.tuple_(position.txid, position.seq))
        query = query.where(sa.or_(Notification.feed_event_id.in_(later_event), Notification.id == first.id))
    count = 0
    for n in session.scalars(query.order_by(Notification.id)):
        if n.status in (SENT, FAILED):
            n.status, n.last_error, n.attempts = PENDING, None, 0
            enqueue(session, outbox.DELIVER_TASK, {"notification_id": n.id})
            count += 1
    session.commit()
    return count
