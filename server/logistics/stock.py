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


@dataclass(frozen=True)
class StockNeed:
    """A facility's position in one part against its target, for the engine's "need".

    Reserved units are still on hand but promised to a job, so they count
    against the position; faulty units awaiting processing count for it, as
    they will come back refurbished (or not: the engine's yield prices that).
    """

    facility: str
    #: New and refurbished units at the facility.
    on_hand: int
    #: Faulty units at the facility, awaiting processing.
    in_refurbishment: int
    #: Units held by reservations at the facility.
    reserved: int
    target: int

    @property
    def position(self) -> int:
        return self.on_hand + self.in_refurbishment - self.reserved

    @property
    def shortfall(self) -> int:
        return max(0, self.target - self.position)

    def describe(self) -> str:
        return (f"at {self.facility}: {self.on_hand} on hand + {self.in_refurbishment} in refurbishment"
                f" − {self.reserved} reserved, target {self.target}")


def most_needed(needs: Iterable[StockNeed]) -> StockNeed | None:
    """The facility furthest under its target, or None when none is under it."""
    short = [n for n in needs if n.shortfall > 0]
    return max(short, key=lambda n: (n.shortfall, n.facility)) if short else None
