"""The review queue: accepted field events that wait for a dispatcher before they change any records."""

import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ReviewAction, ReviewKind, ReviewStatus
from server.extensions import db
from server.models.types import UtcDateTime, enum_type, utcnow


class ReviewItem(db.Model):
    """One fact the records contradict, kept open until a dispatcher decides what it changes.

    The event is stored as accepted; what it would have changed (custody, the
    installed base, a job) stays as it was until the resolution, which says
    which action was taken, by whom, when and why.
    """

    __tablename__ = "review_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[ReviewKind] = so.mapped_column(enum_type(ReviewKind), index=True)
    status: so.Mapped[ReviewStatus] = so.mapped_column(enum_type(ReviewStatus), default=ReviewStatus.OPEN, index=True)
    #: The field event the item is about (field_events.id, written in the same transaction).
    event_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, index=True)
    #: Who logged the event.
    engineer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    job_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("jobs.id"), index=True)
    return_line_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.ForeignKey("return_lines.id"), index=True)
    serialised_item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("serialised_items.id"), index=True)
    #: What the records say instead, in a sentence for the dispatcher.
    reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)

    resolution: so.Mapped[ReviewAction | None] = so.mapped_column(enum_type(ReviewAction))
    resolved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    resolution_comment: so.Mapped[str | None] = so.mapped_column(sa.Text)

    event = so.relationship("FieldEvent", primaryjoin="foreign(ReviewItem.event_id) == FieldEvent.id", viewonly=True)
    engineer = so.relationship("User", foreign_keys=[engineer_id])
    resolved_by = so.relationship("User", foreign_keys=[resolved_by_id])
    job = so.relationship("Job")
    return_line = so.relationship("ReturnLine")
    serialised_item = so.relationship("SerialisedItem")
