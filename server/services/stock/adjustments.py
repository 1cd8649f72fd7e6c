"""What a dispatcher records about stock by hand: a transfer, a stocktake count, a supply of new units.

Each is a use case in its own transaction. Bad input is refused whole with
field-level messages (Invalid); nothing is half-written.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy.orm as so

from common.enums import MovementKind, StockGrade, StockLocationKind
from server.database import begin_write
from server.models import PartNumber, StockLocation, StockMovement, User
from server.models.types import utcnow
from server.services.errors import Invalid
from server.services.stock.ledger import balance, location_by_code, record_movement

MAX_REASON_LENGTH = 300
MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class Transfer:
    part_number: str
    quantity: int
    grade: StockGrade
    from_location: str
    to_location: str
    reason: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Stocktake:
    part_number: str
    grade: StockGrade
    location: str
    counted: int
    reason: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Supply:
    part_number: str
    quantity: int
    facility: str
    reason: str | None = None
    occurred_at: datetime | None = None


def transfer(session: so.Session, command: Transfer, by: User) -> StockMovement:
    """Units moved between two locations at one grade; owns its transaction."""
    begin_write(session)
    errors: dict[str, list[str]] = {}
    part = _part(session, command.part_number, errors)
    source = _location(session, command.from_location, "from_location", errors)
    target = _location(session, command.to_location, "to_location", errors)
    _check_quantity(command.quantity, errors)
    _check_reason(command.reason, errors, required=True)
    _check_time(command.occurred_at, errors)
    if source is not None and source is target:
        errors.setdefault("to_location", []).append("A transfer must go to another location.")
    _refuse(errors, "The transfer was not recorded.")
    movement = record_movement(
        session, MovementKind.TRANSFER, str(uuid.uuid4()), part_number_id=part.id, quantity=command.quantity,
        source=(source, command.grade), target=(target, command.grade), occurred_at=command.occurred_at,
        reason=command.reason.strip(), recorded_by_id=by.id,
    )
    session.commit()
    return movement


def stocktake(session: so.Session, command: Stocktake, by: User) -> StockMovement | None:
    """A counted quantity: the movement that brings the balance to it, or None when it already agrees;
    owns its transaction."""
    begin_write(session)
    errors: dict[str, list[str]] = {}
    part = _part(session, command.part_number, errors)
    location = _location(session, command.location, "location", errors)
    if not 0 <= command.counted <= MAX_QUANTITY:
        errors["counted"] = [f"The count must be between 0 and {MAX_QUANTITY}."]
    _check_reason(command.reason, errors, required=True)
    _check_time(command.occurred_at, errors)
    _refuse(errors, "The stocktake was not recorded.")
    difference = command.counted - balance(session, location.id, part.id, command.grade)
    movement = None
    if difference:
        slot = (location, command.grade)
        movement = record_movement(
            session, MovementKind.STOCKTAKE, str(uuid.uuid4()), part_number_id=part.id, quantity=abs(difference),
            source=None if difference > 0 else slot, target=slot if difference > 0 else None,
            occurred_at=command.occurred_at, reason=command.reason.strip(), recorded_by_id=by.id,
        )
    session.commit()
    return movement


def supply(session: so.Session, command: Supply, by: User) -> StockMovement:
    """New units bought in, arriving at a facility; owns its transaction."""
    begin_write(session)
    errors: dict[str, list[str]] = {}
    part = _part(session, command.part_number, errors)
    facility = _location(session, command.facility, "facility", errors)
    if facility is not None and facility.kind != StockLocationKind.FACILITY:
        errors["facility"] = ["New units are supplied to a facility (a code such as FAC:TPK)."]
    _check_quantity(command.quantity, errors)
    _check_reason(command.reason, errors, required=False)
    _check_time(command.occurred_at, errors)
    _refuse(errors, "The supply was not recorded.")
    movement = record_movement(
        session, MovementKind.SUPPLY, str(uuid.uuid4()), part_number_id=part.id, quantity=command.quantity,
        target=(facility, StockGrade.NEW), occurred_at=command.occurred_at,
        reason=(command.reason or "").strip() or None, recorded_by_id=by.id,
    )
    session.commit()
    return movement


def _part(session: so.Session, part_number: str, errors: dict) -> PartNumber | None:
    part = session.query(PartNumber).filter_by(part_number=part_number).one_or_none()
    if part is None:
        errors["part_number"] = [f"No part number {part_number!r} in the catalogue."]
    return part


def _location(session: so.Session, code: str, field: str, errors: dict) -> StockLocation | None:
    location = location_by_code(session, code)
    if location is None:
        errors[field] = [f"No stock location {code!r}: use FAC:<facility code>, VAN:<username> or SITE:<site id>."]
    return location


def _check_quantity(quantity: int, errors: dict) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"] = [f"The quantity must be between 1 and {MAX_QUANTITY}."]


def _check_reason(reason: str | None, errors: dict, *, required: bool) -> None:
    text = (reason or "").strip()
    if required and not text:
        errors["reason"] = ["Say why: a stock correction needs a reason."]
    elif len(text) > MAX_REASON_LENGTH:
        errors["reason"] = [f"At most {MAX_REASON_LENGTH} characters."]


def _check_time(occurred_at: datetime | None, errors: dict) -> None:
    if occurred_at is not None and occurred_at > utcnow():
        errors["occurred_at"] = ["A movement cannot happen in the future."]


def _refuse(errors: dict, message: str) -> None:
    if errors:
        raise Invalid(message, errors)
