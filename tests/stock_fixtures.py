"""Stock put where a test needs it, through the ledger as the app records it."""

import itertools

from common.enums import MovementKind, StockGrade, StockLocationKind
from server.services.stock import ledger

_supplies = itertools.count(1)


def supply(session, kind: StockLocationKind, ref_id: int, part, grade: StockGrade = StockGrade.NEW,
           quantity: int = 1):
    """`quantity` units of `part` at a facility or in a van, committed."""
    location = ledger.location_for(session, kind, ref_id)
    ledger.record_movement(session, MovementKind.SUPPLY, f"test-supply:{next(_supplies)}", part_number_id=part.id,
                           quantity=quantity, target=(location, grade))
    session.commit()
    return location
