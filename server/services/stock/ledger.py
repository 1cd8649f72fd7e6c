"""The stock ledger: movements recorded from facts, and balances summed from them.

These functions run inside the transaction of the use case whose fact moves
stock (a receipt, a processing outcome, an install, a delivery, a transfer, a
stocktake); they flush but never commit. The arithmetic lives in
server/logistics/stock.py.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import MovementKind, StockGrade, StockLocationKind
from server.logistics.stock import Move, Slot, apply, movement_id
from server.models import Facility, Site, StockLocation, StockMovement, User
from server.models.types import utcnow

_CODE_PREFIX = {StockLocationKind.FACILITY: "FAC", StockLocationKind.VAN: "VAN", StockLocationKind.SITE: "SITE"}


def location_code(kind: StockLocationKind, key) -> str:
    """The readable code of a location: "FAC:TPK" (a facility's code), "VAN:eng.amy" (a username), "SITE:12"."""
    return f"{_CODE_PREFIX[kind]}:{key}"


def _of(kind: StockLocationKind, ref_id: int) -> sa.Select:
    return sa.select(StockLocation).where(StockLocation.kind == kind, StockLocation.ref_id == ref_id)


def existing_location_id(session: so.Session, kind: StockLocationKind, ref_id: int) -> int | None:
    """The id of a facility's, van's or site's stock location; None when no stock has been there. Reads only."""
    return session.scalar(_of(kind, ref_id).with_only_columns(StockLocation.id))


def location_for(session: so.Session, kind: StockLocationKind, ref_id: int) -> StockLocation:
    """The stock location of a facility, an engineer's van or a site, made on first use."""
    location = session.scalars(_of(kind, ref_id)).one_or_none()
    if location is not None:
        return location
    code, name = _describe(session, kind, ref_id)
    location = StockLocation(kind=kind, ref_id=ref_id, code=code, name=name)
    # A savepoint, so that a concurrent first use by another transaction costs a retry, not the caller's work.
    try:
        with session.begin_nested():
            session.add(location)
    except sa.exc.IntegrityError:
        location = session.scalars(_of(kind, ref_id)).one()
    return location


def location_by_code(session: so.Session, code: str) -> StockLocation | None:
    """The stock location a readable code names ("FAC:TPK", "VAN:amy", "SITE:12"), made on first use;
    None when the code names nothing (an unknown facility, user or site, or no such kind)."""
    named = named_place(session, code)
    return None if named is None else location_for(session, *named)


def named_place(session: so.Session, code: str) -> tuple[StockLocationKind, int] | None:
    """The kind and id of the facility, van or site a location code names, or None; reads only."""
    prefix, _, key = code.partition(":")
    kind = next((k for k, p in _CODE_PREFIX.items() if p == prefix), None)
    if kind == StockLocationKind.FACILITY:
        ref_id = session.scalar(sa.select(Facility.id).where(Facility.code == key))
    elif kind == StockLocationKind.VAN:
        ref_id = session.scalar(sa.select(User.id).where(User.username == key))
    elif kind == StockLocationKind.SITE and key.isdigit() and len(key) < 10:
        ref_id = session.scalar(sa.select(Site.id).where(Site.id == int(key)))
    else:
        return None
    return None if ref_id is None else (kind, ref_id)


def _describe(session: so.Session, kind: StockLocationKind, ref_id: int) -> tuple[str, str]:
    if kind == StockLocationKind.FACILITY:
        facility = session.get(Facility, ref_id)
        return location_code(kind, facility.code), facility.name
    if kind == StockLocationKind.VAN:
        user = session.get(User, ref_id)
        return location_code(kind, user.username), f"Van of {user.display_name}"
    site = session.get(Site, ref_id)
    return location_code(kind, ref_id), site.name


def balance(session: so.Session, location_id: int, part_number_id: int, grade: StockGrade) -> int:
    """Units of one part and grade at one location: in less out."""
    into = sa.and_(StockMovement.to_location_id == location_id, StockMovement.to_grade == grade)
    out_of = sa.and_(StockMovement.from_location_id == location_id, StockMovement.from_grade == grade)
    signed = sa.case((into, StockMovement.quantity), else_=-StockMovement.quantity)
    return int(session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
        .where(StockMovement.part_number_id == part_number_id, sa.or_(into, out_of))
    ))


@dataclass(frozen=True)
class Balance:
    location_id: int
    part_number_id: int
    grade: StockGrade
    quantity: int


def balances(session: so.Session, *, location_ids=None, part_number_ids=None, grades=None,
             as_of: datetime | None = None, include_zero: bool = False) -> list[Balance]:
    """The balance view: every (location, part, grade) summed from the movements (those before `as_of`, if given)."""
    sides = []
    for location, grade, sign in ((StockMovement.to_location_id, StockMovement.to_grade, 1),
                                  (StockMovement.from_location_id, StockMovement.from_grade, -1)):
        side = sa.select(
            location.label("location_id"), StockMovement.part_number_id.label("part_number_id"),
            grade.label("grade"), (StockMovement.quantity * sign).label("quantity"),
        ).where(location.is_not(None))
        if location_ids is not None:
            side = side.where(location.in_(location_ids))
        if part_number_ids is not None:
            side = side.where(StockMovement.part_number_id.in_(part_number_ids))
        if grades is not None:
            side = side.where(grade.in_([StockGrade(g).value for g in grades]))
        if as_of is not None:
            side = side.where(StockMovement.occurred_at < as_of)
        sides.append(side)
    both = sa.union_all(*sides).subquery()
    query = (
        sa.select(both.c.location_id, both.c.part_number_id, both.c.grade, sa.func.sum(both.c.quantity))
        .group_by(both.c.location_id, both.c.part_number_id, both.c.grade)
        .order_by(both.c.location_id, both.c.part_number_id, both.c.grade)
    )
    rows = [Balance(loc, part, StockGrade(grade), int(qty)) for loc, part, grade, qty in session.execute(query)]
    return rows if include_zero else [row for row in rows if row.quantity != 0]


def record_movement(session: so.Session, kind: MovementKind, fact_key: str, *, part_number_id: int, quantity: int,
                    source: tuple[StockLocation, StockGrade] | None = None,
                    target: tuple[StockLocation, StockGrade] | None = None,
                    occurred_at: datetime | None = None, serial: str | None = None,
                    return_line_id: uuid.UUID | None = None, event_id: uuid.UUID | None = None,
                    reservation_id: int | None = None, delivery_id: int | None = None,
                    processing_record_id: int | None = None, reason: str | None = None,
                    recorded_by_id: int | None = None) -> StockMovement | None:
    """Record the movement a fact gives, once; a fact recorded before gives None.

    `fact_key` names the fact (an event id, a processing record id…) so that
    the movement's id is stable. A movement that takes its source below zero is
    stored and flagged `left_negative`: the dispatcher sees it on the stock page.
    """
    move_id = movement_id(kind, fact_key)
    if session.scalar(sa.select(StockMovement.seq).where(StockMovement.id == move_id)) is not None:
        return None
    move = Move(quantity, _slot(source, part_number_id), _slot(target, part_number_id))
    went_negative = False
    if move.source is not None:
        before = balance(session, move.source.location_id, part_number_id, move.source.grade)
        _, went_negative = apply({move.source: before}, move)
    movement = StockMovement(
        id=move_id, kind=kind, part_number_id=part_number_id, quantity=quantity,
        from_location_id=move.source.location_id if move.source else None,
        from_grade=move.source.grade if move.source else None,
        to_location_id=move.target.location_id if move.target else None,
        to_grade=move.target.grade if move.target else None,
        serial=serial, occurred_at=occurred_at or utcnow(), return_line_id=return_line_id, event_id=event_id,
        reservation_id=reservation_id, delivery_id=delivery_id, processing_record_id=processing_record_id,
        reason=reason, recorded_by_id=recorded_by_id, left_negative=went_negative,
    )
    session.add(movement)
    session.flush()
    return movement


def _slot(side: tuple[StockLocation, StockGrade] | None, part_number_id: int) -> Slot | None:
    if side is None:
        return None
    location, grade = side
    if location.id is None:
        raise ValueError("Flush a new stock location before moving stock to or from it.")
    return Slot(location.id, part_number_id, StockGrade(grade))
