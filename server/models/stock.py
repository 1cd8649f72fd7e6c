"""The stock ledger of the reverse and refurbishment side, and what is set aside and sent for jobs.

Stock is never a counter: a balance is the sum of the movements into a
(location, part, grade) less those out of it (server/services/stock/ledger.py).
Movements are append-only and each has a stable id derived from the fact it
comes from, so a replayed fact cannot move stock twice and an external system
can reconcile against the ledger by period and location.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import (DeliveryMode, DeliveryStatus, MovementKind, ReservationStatus, StockGrade,
                          StockLocationKind)
from server.extensions import db
from server.models.types import UtcDateTime, enum_type, utcnow


class StockLocation(db.Model):
    """A place stock can be: a facility (depots too), an engineer's van or a customer's site."""

    __tablename__ = "stock_locations"
    __table_args__ = (sa.UniqueConstraint("kind", "ref_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[StockLocationKind] = so.mapped_column(enum_type(StockLocationKind))
    #: The facility, user (van) or site id, by kind.
    ref_id: so.Mapped[int]
    #: Stable and readable, for exports and reconciliation: "FAC:TPK", "VAN:eng.amy", "SITE:12".
    code: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))


class StockMovement(db.Model):
    """Append-only: a quantity of one part moved from one (location, grade) to another.

    Either side may be empty: a receipt or a supply comes from outside the
    ledger, an install or a disposal leaves it. A grade change in place
    (faulty → refurbished) has the same location on both sides.
    """

    __tablename__ = "stock_movements"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="ck_stock_movements_quantity_positive"),)

    #: Ordering and the export cursor.
    seq: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Stable: derived from the fact (see ledger.movement_id), so a replay is refused by the unique index.
    id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, unique=True)
    kind: so.Mapped[MovementKind] = so.mapped_column(enum_type(MovementKind), index=True)
    part_number_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("part_numbers.id"), index=True)
    quantity: so.Mapped[int]
    from_location_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stock_locations.id"), index=True)
    from_grade: so.Mapped[StockGrade | None] = so.mapped_column(enum_type(StockGrade))
    to_location_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stock_locations.id"), index=True)
    to_grade: so.Mapped[StockGrade | None] = so.mapped_column(enum_type(StockGrade))
    serial: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: When it happened (the fact's time) and when the ledger learnt it.
    occurred_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, index=True)
    recorded_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    #: The facts it comes from, where they are records.
    return_line_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.ForeignKey("return_lines.id"), index=True)
    event_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.Uuid)
    reservation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reservations.id"))
    delivery_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("deliveries.id"))
    processing_record_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("processing_records.id"))
    #: Required for transfers and stocktakes.
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    #: The movement took its source below zero: flagged, never clamped.
    left_negative: so.Mapped[bool] = so.mapped_column(default=False)

    part = so.relationship("PartNumber")
    from_location = so.relationship(StockLocation, foreign_keys=[from_location_id])
    to_location = so.relationship(StockLocation, foreign_keys=[to_location_id])


@sa.event.listens_for(StockMovement, "before_update")
@sa.event.listens_for(StockMovement, "before_delete")
def _ledger_is_append_only(mapper, connection, target):
    raise RuntimeError("The stock ledger is append-only: record a correcting movement instead.")


class StockTarget(db.Model):
    """How many ready units (new + refurbished) of a part a facility should hold.

    A data value for now; forecasts will compute it.
    """

    __tablename__ = "stock_targets"
    __table_args__ = (sa.UniqueConstraint("facility_id", "part_number_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    facility_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("facilities.id"))
    part_number_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("part_numbers.id"), index=True)
    quantity: so.Mapped[int]
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    facility = so.relationship("Facility")
    part = so.relationship("PartNumber")


class Reservation(db.Model):
    """Units set aside for one expected part of a job (its `replace` entry at `expected_index`)."""

    __tablename__ = "reservations"
    __table_args__ = (sa.Index("ix_reservations_job_expected", "job_id", "expected_index"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jobs.id"), index=True)
    expected_index: so.Mapped[int]
    part_number_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("part_numbers.id"), index=True)
    quantity: so.Mapped[int] = so.mapped_column(default=1)
    status: so.Mapped[ReservationStatus] = so.mapped_column(enum_type(ReservationStatus), index=True)
    #: Where the units are set aside, and their grade; none while short.
    location_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stock_locations.id"), index=True)
    grade: so.Mapped[StockGrade | None] = so.mapped_column(enum_type(StockGrade))
    #: Why this source and grade, like a disposition's reason.
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    #: The start of the job's window: the units must be in the engineer's hands by then.
    needed_by: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    job = so.relationship("Job")
    part = so.relationship("PartNumber")
    location = so.relationship(StockLocation)


class Delivery(db.Model):
    """Reserved units on their way to the engineer's depot or to the job's site.

    A courier visit to a site can hold deliveries and pickups alike: both are
    keyed by site and day.
    """

    __tablename__ = "deliveries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reservation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reservations.id"), index=True)
    part_number_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("part_numbers.id"))
    quantity: so.Mapped[int] = so.mapped_column(default=1)
    grade: so.Mapped[StockGrade] = so.mapped_column(enum_type(StockGrade))
    mode: so.Mapped[DeliveryMode] = so.mapped_column(enum_type(DeliveryMode))
    status: so.Mapped[DeliveryStatus] = so.mapped_column(enum_type(DeliveryStatus), index=True)
    from_location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stock_locations.id"))
    to_location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stock_locations.id"), index=True)
    site_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("sites.id"), index=True)
    #: Whom the units are for (the job's engineer when it was planned): their phone shows it.
    engineer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Latest arrival: before the job's window (to the site) or the engineer's start that day (to the depot).
    deadline: so.Mapped[datetime] = so.mapped_column(UtcDateTime, index=True)
    #: When it should leave (the latest moment that still arrives by the deadline); a route visit to the
    #: site that day can carry pickups too.
    planned_date: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    dispatched_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    arrived_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    reservation = so.relationship(Reservation)
    part = so.relationship("PartNumber")
    engineer = so.relationship("User")
    from_location = so.relationship(StockLocation, foreign_keys=[from_location_id])
    to_location = so.relationship(StockLocation, foreign_keys=[to_location_id])
