"""Closing the loop: the courier collects, the facility receives, the item is processed.

A receipt brings the unit into the ledger as faulty stock at the facility; a
processing record says what the bench did with it (server/models/processing.py)
and moves it on by the ledger's conventions (docs/engine.md).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import (Disposition, HolderKind, ItemStatus, MovementKind, PartCondition, PickupStatus,
                          ProcessingOutcome, ReturnStatus, StockGrade, StockLocationKind)
from server.database import begin_write
from server.logistics.policy import Policy
from server.logistics.states import CLOSED_RETURN_STATUSES
from server.models import CustodyEntry, Facility, PartNumber, Pickup, ProcessingRecord, ReturnLine, User
from server.models.types import utcnow
from server.services.notifications import notices
from server.services.returns.engine import decide_after_failed_refurbishment
from server.services.errors import Conflict, Invalid, NotFound
from server.services.settings import current_policy
from server.services.stock import ledger

#: What the item becomes after each outcome.
ITEM_AFTER = {
    ProcessingOutcome.REFURBISHED: ItemStatus.IN_STOCK,
    ProcessingOutcome.RESTOCKED: ItemStatus.IN_STOCK,
    ProcessingOutcome.CREDITED: ItemStatus.DISPOSED,
    ProcessingOutcome.RECYCLED: ItemStatus.DISPOSED,
    ProcessingOutcome.SCRAPPED: ItemStatus.DISPOSED,
}


def _custody(session, line: ReturnLine, kind: HolderKind, holder_id: int | None, place: str, at: datetime,
             by: User | None, note: str) -> None:
    line.holder_kind, line.holder_id = kind, holder_id
    item = line.serialised_item
    if item is not None:
        item.location_kind, item.location_id = kind, holder_id
    session.add(CustodyEntry(return_line=line, serialised_item=item, holder_kind=kind, holder_id=holder_id,
                             place=place, at=at, recorded_by_id=by.id if by else None, note=note))


def collect_pickup(session: so.Session, pickup_id: int, by: User | None, courier: str = "courier") -> Pickup:
    """The courier has collected everything waiting for this pickup."""
    begin_write(session)
    pickup = session.get(Pickup, pickup_id)
    if pickup is None:
        raise NotFound(f"No pickup {pickup_id}.")
    if pickup.status != PickupStatus.SCHEDULED:
        raise Conflict(f"Pickup {pickup.reference} is {pickup.status}, not scheduled.")
    now = utcnow()
    for line in pickup.lines:
        if line.status == ReturnStatus.PICKUP_SCHEDULED:
            line.move_to(ReturnStatus.IN_TRANSIT, now)
            _custody(session, line, HolderKind.COURIER, None, f"{courier}, from {pickup.site.name}", now, by,
                     f"Collected by {courier}")
    pickup.status, pickup.collected_at = PickupStatus.COLLECTED, now
    session.flush()
    notices.items_collected(session, pickup)
    session.commit()
    return pickup


def receive_item(session: so.Session, facility_id: int, *, by: User, return_line_id: uuid.UUID | None = None,
                 serial: str | None = None, condition: PartCondition | None = None) -> ReturnLine:
    """A facility scans an arriving item: its line is received, with the condition found."""
    begin_write(session)
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise Invalid("No such facility.", {"facility_id": [f"No facility {facility_id}."]})
    line = _find_line(session, return_line_id, serial)
    if line.status == ReturnStatus.RECEIVED or line.status in CLOSED_RETURN_STATUSES:
        raise Conflict(f"This item was already received ({line.status}).")
    now = utcnow()
    line.move_to(ReturnStatus.RECEIVED, now)
    line.received_at, line.received_condition = now, condition or line.condition
    _custody(session, line, HolderKind.FACILITY, facility.id, f"{facility.name} ({facility.code})", now, by,
             f"Received; condition {line.received_condition}")
    location = ledger.location_for(session, StockLocationKind.FACILITY, facility.id)
    ledger.record_movement(session, MovementKind.RECEIPT, f"receipt:{line.id}", part_number_id=line.part_number_id,
                           quantity=line.quantity, target=(location, StockGrade.FAULTY), occurred_at=now,
                           serial=line.serial, return_line_id=line.id, recorded_by_id=by.id if by else None)
    pickup = line.pickup
    if pickup is not None and all(other.received_at is not None for other in pickup.lines):
        session.flush()
        notices.items_received(session, pickup, facility.name)
    session.commit()
    return line


def _find_line(session, return_line_id, serial) -> ReturnLine:
    if return_line_id is None and not serial:
        raise Invalid("Scan a serial or a return line.", {"serial": ["Give a serial or a return_line_id."]})
    if return_line_id is not None:
        line = session.get(ReturnLine, return_line_id)
    else:
        line = session.scalar(
            sa.select(ReturnLine).where(ReturnLine.serial == serial).order_by(ReturnLine.created_at.desc()).limit(1)
        )
    if line is None:
        raise NotFound(f"No return line for {serial or return_line_id}.")
    return line


#: Outcomes that need more than the outcome itself, and the fields they need.
REQUIRED = {
    ProcessingOutcome.RECYCLED: {"weight_kg": "the weight handed to the recycler",
                                 "certificate_number": "the recycler's certificate number"},
    ProcessingOutcome.CREDITED: {"rma_number": "the vendor's RMA number", "credit": "the credit received"},
}

#: Where each outcome moves the unit in the ledger: from (facility, faulty) to this grade, or out (None).
GRADE_AFTER = {
    ProcessingOutcome.REFURBISHED: StockGrade.REFURBISHED,
    ProcessingOutcome.RESTOCKED: StockGrade.REFURBISHED,
    ProcessingOutcome.RECYCLED: StockGrade.SCRAP,
    ProcessingOutcome.SCRAPPED: StockGrade.SCRAP,
    ProcessingOutcome.CREDITED: None,
}


@dataclass(frozen=True)
class Processing:
    """What the bench reports for one processing step (the processing record's fields)."""

    outcome: ProcessingOutcome
    hours: float | None = None
    #: [{"part_number": …, "quantity": …}] consumed by the repair.
    parts_used: tuple[dict, ...] = ()
    notes: str | None = None
    weight_kg: float | None = None
    certificate_number: str | None = None
    rma_number: str | None = None
    credit: Decimal | None = None
    recovered_value: Decimal | None = None


def record_outcome(session: so.Session, line_id: uuid.UUID, step: Processing, by: User | None, *,
                   policy: Policy | None = None) -> ReturnLine:
    """What the facility did with a received item: an append-only processing record, who did it and when.

    A final outcome processes the line and moves the unit in the ledger; a
    failed refurbishment keeps the line received and the engine decides again.
    """
    policy = policy or current_policy()
    begin_write(session)
    line = session.get(ReturnLine, line_id, options=[so.joinedload(ReturnLine.part)])
    if line is None:
        raise NotFound(f"No return line {line_id}.")
    if line.status != ReturnStatus.RECEIVED:
        raise Conflict(f"Only a received item can be processed; this one is {line.status}.")
    _check(session, line, step)
    facility = _processing_facility(session, line)
    now = utcnow()
    record = ProcessingRecord(
        return_line_id=line.id, facility_id=facility.id, outcome=step.outcome, hours=step.hours,
        parts_used=[dict(p) for p in step.parts_used], notes=step.notes, weight_kg=step.weight_kg,
        certificate_number=step.certificate_number, rma_number=step.rma_number, credit=step.credit,
        recorded_by_id=by.id if by else None, at=now,
    )
    if step.outcome == ProcessingOutcome.REFURBISH_FAILED:
        session.add(record)
        session.flush()
        decide_after_failed_refurbishment(session, line, facility, step.notes or "no reason given", policy, now, by)
        session.commit()
        return line
    line.move_to(ReturnStatus.PROCESSED, now)
    line.recovered_value = record.recovered_value = _recovered(line, step, policy)
    session.add(record)
    session.flush()
    if line.serialised_item is not None:
        line.serialised_item.status = ITEM_AFTER[step.outcome]
    _move_processed_unit(session, line, facility, record, by)
    session.commit()
    return line


def processing_records(session: so.Session, line_id: uuid.UUID) -> list[ProcessingRecord]:
    """The processing steps of a line, oldest first."""
    if session.get(ReturnLine, line_id) is None:
        raise NotFound(f"No return line {line_id}.")
    return session.scalars(sa.select(ProcessingRecord).where(ProcessingRecord.return_line_id == line_id)
                           .options(so.joinedload(ProcessingRecord.recorded_by))
                           .order_by(ProcessingRecord.at, ProcessingRecord.id)).all()


def _check(session, line: ReturnLine, step: Processing) -> None:
    errors = {name: [f"Required when the outcome is {step.outcome.value}: {what}."]
              for name, what in REQUIRED.get(step.outcome, {}).items() if getattr(step, name) in (None, "")}
    if step.outcome == ProcessingOutcome.REFURBISH_FAILED and line.disposition != Disposition.REFURBISH:
        errors["outcome"] = [f"Only an item sent for refurbishment can fail it; this one is for "
                             f"{(line.disposition or 'no disposition').replace('_', ' ')}."]
    wanted = {p["part_number"] for p in step.parts_used}
    known = set(session.scalars(sa.select(PartNumber.part_number).where(PartNumber.part_number.in_(wanted)))
                ) if wanted else set()
    if wanted - known:
        errors["parts_used"] = [f"Unknown part number {n}." for n in sorted(wanted - known)]
    if errors:
        raise Invalid("The processing record is incomplete.", errors)


def _processing_facility(session, line: ReturnLine) -> Facility:
    """The facility that received the item and holds it."""
    facility_id = line.holder_id if line.holder_kind == HolderKind.FACILITY else line.destination_facility_id
    return session.get(Facility, facility_id)


def _move_processed_unit(session, line: ReturnLine, facility: Facility, record: ProcessingRecord,
                         by: User | None) -> None:
    location = ledger.location_for(session, StockLocationKind.FACILITY, facility.id)
    grade = GRADE_AFTER[record.outcome]
    ledger.record_movement(
        session, MovementKind.PROCESSING, f"processing:{record.id}", part_number_id=line.part_number_id,
        quantity=line.quantity, source=(location, StockGrade.FAULTY),
        target=None if grade is None else (location, grade), occurred_at=record.at, serial=line.serial,
        return_line_id=line.id, processing_record_id=record.id, reason=record.outcome.value,
        recorded_by_id=by.id if by else None,
    )


def _recovered(line, step: Processing, policy: Policy) -> Decimal:
    if step.recovered_value is not None:
        return Decimal(step.recovered_value).quantize(Decimal("0.01"))
    if step.outcome == ProcessingOutcome.CREDITED:
        return Decimal(step.credit).quantize(Decimal("0.01"))
    kg = step.weight_kg if step.weight_kg is not None else line.part.weight_kg * line.quantity
    if step.outcome == ProcessingOutcome.RECYCLED:
        rate, _ = policy.economics.recycle_rate(line.part.category)
        return Decimal(f"{kg * rate:.2f}")
    if step.outcome == ProcessingOutcome.SCRAPPED:
        return Decimal(f"{-kg * policy.economics.scrap_cost_per_kg:.2f}")
    if step.outcome == ProcessingOutcome.RESTOCKED:
        return Decimal(line.part.residual_value) * line.quantity
    if line.expected_value is None:
        raise Invalid("Give the value recovered.", {"recovered_value": ["Required for this item."]})
    return line.expected_value
