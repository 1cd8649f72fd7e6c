"""Field events: what a device reported, kept as sent, with the server's receipt."""

import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import EventOutcome
from server.extensions import db
from server.models.types import UtcDateTime, enum_type


class FieldEvent(db.Model):
    """An event as the device sent it. Immutable once written.

    A rejected event is kept too, as a receipt: a retry then gets the same
    answer, and its seq is not mistaken for a lost entry.
    """

    __tablename__ = "field_events"
    __table_args__ = (sa.UniqueConstraint("device_id", "seq"),)

    id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, primary_key=True)
    device_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("devices.id"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    seq: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    type: so.Mapped[str] = so.mapped_column(sa.String(40))
    occurred_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    job_id: so.Mapped[int | None] = so.mapped_column(index=True)
    #: The event exactly as received.
    body: so.Mapped[dict] = so.mapped_column(sa.JSON)
    received_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, index=True)
    status: so.Mapped[EventOutcome] = so.mapped_column(enum_type(EventOutcome))
    errors: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    #: clock_future, clock_stale, clock_offset, after_reassignment, serial_not_in_installed_base, held_for_review…
    flags: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    device_clock_offset_s: so.Mapped[int | None]
    return_line_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.Uuid)
