"""Return lines (one physical item coming back) and their custody log."""

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Disposition, HolderKind, PartCondition, ReturnStatus, TravelMode
from server.extensions import db
from server.logistics.states import return_transition
from server.models.catalogue import Money
from server.models.types import UtcDateTime, enum_type, utcnow


class ReturnLine(db.Model):
    """One physical item (or a quantity of a non-serialised part) coming back.

    Its id is the id of the field event that created it, so a phone knows it
    before it syncs and a duplicate event can never create a second line.
    """

    __tablename__ = "return_lines"

    id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, primary_key=True)
    part_number_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("part_numbers.id"), index=True)
    serialised_item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("serialised_items.id"), index=True)
    serial: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    quantity: so.Mapped[int] = so.mapped_column(default=1)
    #: part_removed or equipment_collected
    origin: so.Mapped[str] = so.mapped_column(sa.String(40))
    condition: so.Mapped[PartCondition] = so.mapped_column(enum_type(PartCondition))
    failure_code: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    origin_site_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sites.id"), index=True)
    job_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("jobs.id"), index=True)
    removed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    removed_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)

    status: so.Mapped[ReturnStatus] = so.mapped_column(enum_type(ReturnStatus), index=True)
    status_changed_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    holder_kind: so.Mapped[HolderKind] = so.mapped_column(enum_type(HolderKind))
    holder_id: so.Mapped[int | None] = so.mapped_column(index=True)

    disposition: so.Mapped[Disposition | None] = so.mapped_column(enum_type(Disposition))
    disposition_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    expected_value: so.Mapped[Decimal | None] = so.mapped_column(Money)
    #: kg CO2e the decided disposition avoids (none while the line is held).
    co2e_avoided_kg: so.Mapped[float | None]
    disposition_overridden_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    disposition_overridden_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    override_comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    destination_facility_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("facilities.id"))
    travel_mode: so.Mapped[TravelMode | None] = so.mapped_column(enum_type(TravelMode))
    #: A warranty return must reach its facility by then.
    deadline: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: The other dispositions the engine weighed, for the console.
    alternatives: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime, index=True)
    pickup_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("pickups.id"), index=True)
    #: Set by the chasing task when the line is late to be picked up or received.
    overdue_since: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime, index=True)
    chased_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)

    received_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    received_condition: so.Mapped[PartCondition | None] = so.mapped_column(enum_type(PartCondition))
    recovered_value: so.Mapped[Decimal | None] = so.mapped_column(Money)
    #: For an unconfirmed line: why the engineer says the part did not come back.
    not_returned_reason: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    #: The last chasing step taken for this line (server/logistics/escalation.py), and when.
    escalation_step: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    escalated_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: The value lost when the chasing wrote the line off.
    written_off_value: so.Mapped[Decimal | None] = so.mapped_column(Money)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    part = so.relationship("PartNumber")
    origin_site = so.relationship("Site")
    serialised_item = so.relationship("SerialisedItem")
    pickup = so.relationship("Pickup", back_populates="lines")
    custody: so.Mapped[list["CustodyEntry"]] = so.relationship(
        viewonly=True, order_by="(CustodyEntry.at, CustodyEntry.id)"
    )
    #: The unit installed in this one's place, once a swap's install names this line's removal.
    replaced_by: so.Mapped["Replacement | None"] = so.relationship(
        primaryjoin="ReturnLine.id == foreign(Replacement.return_line_id)", viewonly=True, uselist=False,
    )

    def move_to(self, status: ReturnStatus, at: datetime) -> None:
        self.status = return_transition(self.status, status)
        self.status_changed_at = at


class Replacement(db.Model):
    """A swap: the unit installed in place of a removed one, as the install said (protocol v2 `replaces`).

    Written from the install, whichever half arrives first; `return_line_id` is filled in
    when the removal's return line exists.
    """

    __tablename__ = "replacements"

    install_event_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, primary_key=True)
    removal_event_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, unique=True)
    return_line_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.ForeignKey("return_lines.id"), unique=True)
    job_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jobs.id"), index=True)
    part_number_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("part_numbers.id"))
    serial: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    serialised_item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("serialised_items.id"), index=True)
    #: new or refurbished, when the install said.
    grade: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    installed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    installed_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)

    part = so.relationship("PartNumber")
    installed_by = so.relationship("User")
    return_line = so.relationship(ReturnLine, foreign_keys=[return_line_id], viewonly=True)

    @property
    def item(self) -> str:
        return f"{self.part.part_number} {self.serial}" if self.serial else self.part.part_number


class CustodyEntry(db.Model):
    """Append-only: who held which item, from when, and where."""

    __tablename__ = "custody_log"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    return_line_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("return_lines.id"), index=True)
    serialised_item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("serialised_items.id"), index=True)
    holder_kind: so.Mapped[HolderKind] = so.mapped_column(enum_type(HolderKind))
    holder_id: so.Mapped[int | None]
    #: Readable place: "Site 12 — Northfield Dental, Bolton" or "Facility TPK".
    place: so.Mapped[str] = so.mapped_column(sa.String(300))
    at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    #: The field event that recorded the hand-over, if one did.
    event_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.Uuid)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    note: so.Mapped[str | None] = so.mapped_column(sa.String(300))

    return_line = so.relationship(ReturnLine)
    serialised_item = so.relationship("SerialisedItem")


@sa.event.listens_for(CustodyEntry, "before_update")
@sa.event.listens_for(CustodyEntry, "before_delete")
def _custody_is_append_only(mapper, connection, target):
    raise RuntimeError("The custody log is append-only: add an entry instead of changing one.")


class DispositionRecord(db.Model):
    """Append-only: every disposition decided for a line, by the engine or a dispatcher."""

    __tablename__ = "disposition_records"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    return_line_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("return_lines.id"), index=True)
    disposition: so.Mapped[Disposition | None] = so.mapped_column(enum_type(Disposition))
    destination_facility_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("facilities.id"))
    travel_mode: so.Mapped[TravelMode | None] = so.mapped_column(enum_type(TravelMode))
    expected_value: so.Mapped[Decimal | None] = so.mapped_column(Money)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    #: None when the engine decided.
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)

    decided_by = so.relationship("User")


@sa.event.listens_for(DispositionRecord, "before_update")
@sa.event.listens_for(DispositionRecord, "before_delete")
def _decisions_are_append_only(mapper, connection, target):
    raise RuntimeError("Disposition records are append-only.")
