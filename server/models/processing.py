"""What a facility did with a received item: the processing record, append-only."""

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ProcessingOutcome
from server.extensions import db
from server.models.catalogue import Money
from server.models.types import UtcDateTime, enum_type, utcnow


class ProcessingRecord(db.Model):
    """One processing step of a line: its outcome and what it took.

    A line can have several (a failed refurbishment, then recycling); the last
    one that is not `refurbish_failed` is the line's final outcome.
    """

    __tablename__ = "processing_records"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    return_line_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("return_lines.id"), index=True)
    facility_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("facilities.id"), index=True)
    outcome: so.Mapped[ProcessingOutcome] = so.mapped_column(enum_type(ProcessingOutcome), index=True)
    hours: so.Mapped[float | None]
    #: [{"part_number": …, "quantity": …}] consumed by the repair.
    parts_used: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: Recycled: the weight handed over and the recycler's certificate.
    weight_kg: so.Mapped[float | None]
    certificate_number: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    #: Returned to vendor: the vendor's RMA number and the credit received.
    rma_number: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    credit: so.Mapped[Decimal | None] = so.mapped_column(Money)
    recovered_value: so.Mapped[Decimal | None] = so.mapped_column(Money)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)

    recorded_by = so.relationship("User")
    facility = so.relationship("Facility")


@sa.event.listens_for(ProcessingRecord, "before_update")
@sa.event.listens_for(ProcessingRecord, "before_delete")
def _processing_is_append_only(mapper, connection, target):
    raise RuntimeError("Processing records are append-only.")
