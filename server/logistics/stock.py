"""Stock arithmetic: a balance is what moved in less what moved out, and a movement may not hide a deficit.

Plain values only, so the rule can be read and tested without a database;
server/services/stock/ledger.py stores the movements.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from common.enums import MovementKind, StockGrade

#: Namespace of movement ids: the same fact always gives the same id.
MOVEMENT_NAMESPACE = uuid.UUID("5b0c7d1e-3f3a-4e61-9a53-6b1f2c9d4e80")


@dataclass(frozen=True)
class Slot:
    """Where a quantity sits: a location, a part number, a grade."""

    location_id: int
    part_number_id: int
    grade: StockGrade


@dataclass(frozen=True)
class Move:
    """A quantity leaving `source` (none: from outside the ledger) for `target` (none: out of it)."""

    quantity: int
    source: Slot | None
    target: Slot | None

    def __post_init__(self):
        if self.quantity <= 0:
            raise ValueError(f"A movement's quantity must be positive, not {self.quantity}.")
        if self.source is None and self.target is None:
            raise ValueError("A movement needs a source, a target or both.")
        if self.source is not None and self.target is not None:
            if self.source.part_number_id != self.target.part_number_id:
                raise ValueError("A movement moves one part number; processing that changes it is two movements.")
            if self.source == self.target:
                raise ValueError("A movement must change the location or the grade.")


def movement_id(kind: MovementKind, fact_key: str) -> uuid.UUID:
    """The stable id of the movement a fact gives: a replayed fact gives the same id."""
    return uuid.uuid5(MOVEMENT_NAMESPACE, f"{kind.value}:{fact_key}")


def apply(balances: Mapping[Slot, int], move: Move) -> tuple[dict[Slot, int], bool]:
    """The balances after `move`, and whether it took its source below zero.

    A deficit is kept as a negative balance (and flagged by the caller), never
    clamped to zero: the ledger must stay the sum of its movements.
    """
    after = dict(balances)
    went_negative = False
    if move.source is not None:
        after[move.source] = after.get(move.source, 0) - move.quantity
        went_negative = after[move.source] < 0
    if move.target is not None:
        after[move.target] = after.get(move.target, 0) + move.quantity
    return after, went_negative


def replay(moves: Iterable[Move]) -> dict[Slot, int]:
    """The balances a sequence of movements leaves, from nothing."""
    balances: dict[Slot, int] = {}
    for move in moves:
        balances, _ = apply(balances, move)
    return balances
