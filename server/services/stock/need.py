"""How far each facility is from its stock target per part: the need the engine and the bench read.

Runs in the caller's transaction and only reads.
"""

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ReservationStatus, StockGrade, StockLocationKind
from common.stock import READY_GRADES
from server.logistics.stock import StockNeed
from server.models import Facility, Reservation, StockLocation, StockTarget
from server.services.stock.ledger import balances


def stock_needs(session: so.Session, part_number_ids: Iterable[int]) -> dict[int, tuple[StockNeed, ...]]:
    """Per part number, its position at every facility with a target for it (in facility order)."""
    part_ids = sorted(set(part_number_ids))
    if not part_ids:
        return {}
    targets = session.execute(
        sa.select(StockTarget.part_number_id, StockTarget.quantity, Facility.id, Facility.name, StockLocation.id)
        .join(Facility, Facility.id == StockTarget.facility_id)
        .outerjoin(StockLocation, sa.and_(StockLocation.kind == StockLocationKind.FACILITY,
                                          StockLocation.ref_id == Facility.id))
        .where(StockTarget.part_number_id.in_(part_ids))
        .order_by(StockTarget.part_number_id, Facility.id)
    ).all()
    location_ids = [row[4] for row in targets if row[4] is not None]
    held: dict[tuple[int, int], int] = defaultdict(int)
    on_hand: dict[tuple[int, int], int] = defaultdict(int)
    faulty: dict[tuple[int, int], int] = defaultdict(int)
    if location_ids:
        for b in balances(session, location_ids=location_ids, part_number_ids=part_ids):
            if b.grade in READY_GRADES:
                on_hand[b.location_id, b.part_number_id] += b.quantity
            elif b.grade == StockGrade.FAULTY:
                faulty[b.location_id, b.part_number_id] += b.quantity
        reserved = session.execute(
            sa.select(Reservation.location_id, Reservation.part_number_id, sa.func.sum(Reservation.quantity))
            .where(Reservation.status == ReservationStatus.HELD, Reservation.location_id.in_(location_ids),
                   Reservation.part_number_id.in_(part_ids))
            .group_by(Reservation.location_id, Reservation.part_number_id)
        )
        for location_id, part_id, quantity in reserved:
            held[location_id, part_id] = int(quantity)
    needs: dict[int, list[StockNeed]] = defaultdict(list)
    for part_id, target, _, facility_name, location_id in targets:
        key = (location_id, part_id)
        needs[part_id].append(StockNeed(facility_name, on_hand[key], faulty[key], held[key], target))
    return {part_id: tuple(rows) for part_id, rows in needs.items()}
