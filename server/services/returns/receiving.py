"""Closing the loop: the courier collects, the facility receives, the item is processed."""

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import HolderKind, ItemStatus, PartCondition, PickupStatus, ProcessingOutcome, ReturnStatus
from server.database import begin_write
from server.logistics.policy import Policy
from server.logistics.states import CLOSED_RETURN_STATUSES
from server.models import CustodyEntry, Facility, Pickup, ReturnLine, User
from server.models.types import utcnow
from server.services.notifications import notices
from server.services.errors import Conflict, Invalid, NotFound
from server.services.settings import current_policy

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


def record_outcome(session: so.Session, line_id: uuid.UUID, outcome: ProcessingOutcome, by: User, *,
                   recovered_value: Decimal | None = None, weight_kg: float | None = None,
                   policy: Policy | None = None) -> ReturnLine:
    """What the facility did with a received item, and the value it really recovered."""
    policy = policy or current_policy()
    begin_write(session)
    line = session.get(ReturnLine, line_id, options=[so.joinedload(ReturnLine.part)])
    if line is None:
        raise NotFound(f"No return line {line_id}.")
    if line.status != ReturnStatus.RECEIVED:
        raise Conflict(f"Only a received item can be processed; this one is {line.status}.")
    line.move_to(ReturnStatus.PROCESSED, utcnow())
    line.recovered_value = _recovered(line, outcome, recovered_value, weight_kg, policy)
    if line.serialised_item is not None:
        line.serialised_item.status = ITEM_AFTER[outcome]
    session.commit()
    return line


def _recovered(line, outcome, given: Decimal | None, weight_kg: float | None, policy: Policy) -> Decimal:
    if given is not None:
        return Decimal(given).quantize(Decimal("0.01"))
    kg = weight_kg if weight_kg is not None else line.part.weight_kg * line.quantity
    if outcome == ProcessingOutcome.RECYCLED:
        rate, _ = policy.economics.recycle_rate(line.part.category)
        return Decimal(f"{kg * rate:.2f}")
    if outcome == ProcessingOutcome.SCRAPPED:
        return Decimal(f"{-kg * policy.economics.scrap_cost_per_kg:.2f}")
    if outcome == ProcessingOutcome.RESTOCKED:
        return Decimal(line.part.residual_value) * line.quantity
    if line.expected_value is None:
        raise Invalid("Give the value recovered.", {"recovered_value": ["Required for this item."]})
    return line.expected_value
