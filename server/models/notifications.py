"""The notification outbox: every email and webhook, stored before it is sent."""

import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

EMAIL, WEBHOOK = "email", "webhook"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class Notification(db.Model):
    """One message to one recipient. Its content is rendered when it is queued,
    so every retry sends the same bytes with the same Message-ID."""

    __tablename__ = "notifications"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(10))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(500))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    #: The same message asked for twice (say by two runs of one task) is queued once.
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    #: The whole email (RFC 5322) or the webhook's JSON document.
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    pickup_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("pickups.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=PENDING, index=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: A feed event's webhook: the integration it goes to, and the event (its id is the Idempotency-Key).
    integration_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("integrations.id"), index=True)
    feed_event_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.Uuid, index=True)
