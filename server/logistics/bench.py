"""The refurbishment bench: in what order a facility's queue is worked, and what fits a day.

Plain values in, plain values out. The order is by need, then age: an item
whose part number is under its stock target at the facility comes first, as
long as the units ahead of it are not expected to close the gap already
(each unit is expected to give `refurbishment_yield` sellable parts); then the
oldest first. A day's bench hours bound what is started that day.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class QueuedItem:
    """A received item waiting for the bench, with what its part number needs at this facility."""

    line_id: UUID | str
    part_number: str
    received_at: datetime
    #: Bench hours one unit takes, and the share of units that come out sellable.
    refurbishment_hours: float
    refurbishment_yield: float
    #: Ready units (new + refurbished) of this part at the facility, and the facility's target for it.
    ready_stock: int
    target: int
    quantity: int = 1

    def __post_init__(self):
        if self.refurbishment_hours < 0:
            raise ValueError(f"Line {self.line_id}: refurbishment_hours must be at least 0")
        if not 0 <= self.refurbishment_yield <= 1:
            raise ValueError(f"Line {self.line_id}: refurbishment_yield must be between 0 and 1")
        if self.quantity < 1:
            raise ValueError(f"Line {self.line_id}: quantity must be at least 1")

    @property
    def hours(self) -> float:
        return self.refurbishment_hours * self.quantity


@dataclass(frozen=True)
class QueueEntry:
    item: QueuedItem
    #: Its part is under target and the units ahead of it are not expected to close the gap.
    needed: bool
    #: Units still missing from the target before this item (after the expected yield of those ahead).
    shortfall: float


def order_queue(items: Iterable[QueuedItem]) -> list[QueueEntry]:
    """The queue in working order: needed items first, then the rest; oldest first within each."""
    by_age = sorted(items, key=lambda i: (i.received_at, str(i.line_id)))
    expected: dict[str, float] = {}
    entries = []
    for item in by_age:
        shortfall = max(0.0, item.target - item.ready_stock - expected.get(item.part_number, 0.0))
        entries.append(QueueEntry(item, shortfall > 0, round(shortfall, 2)))
        expected[item.part_number] = expected.get(item.part_number, 0.0) + item.quantity * item.refurbishment_yield
    return sorted(entries, key=lambda e: not e.needed)  # stable: age order kept within each group


def bench_hours_on(day: date, hours_per_weekday: float) -> float:
    """The bench hours a facility has on `day`: its weekday hours, none on Saturday and Sunday."""
    return hours_per_weekday if day.weekday() < 5 else 0.0


def fits_today(queue: Sequence[QueueEntry], capacity_hours: float) -> list[QueueEntry]:
    """The entries started today: in queue order, each that fits the hours still left.

    An entry too long for the hours left is passed over for a shorter one behind
    it; it keeps its place and comes first on a later day.
    """
    left, chosen = capacity_hours, []
    for entry in queue:
        if entry.item.hours <= left + 1e-9:
            chosen.append(entry)
            left -= entry.item.hours
    return chosen
