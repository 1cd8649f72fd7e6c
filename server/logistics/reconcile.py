"""Reconciling a balance from the source system with the ledger's: which movements explain a difference.

The source system (an ERP) books the same stock as the ledger, later: it has
booked every movement up to some point and none after it. So when, for one
(part, location, grade), Fieldloop's quantity differs from the source's, the
explanation is the run of the *latest* movements since the last agreed
balance, in ledger order, whose net equals the difference — the movements
Fieldloop recorded that the source has not booked yet. The shortest such run
is the explanation; when no run of latest movements nets to the difference,
the difference is unexplained (a miscount, a booking the ledger never saw, or
a source ahead of the ledger).

Plain values only; server/services/integration/reconcile.py reads the ledger.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    AGREES = "agrees"
    EXPLAINED = "explained"
    UNEXPLAINED = "unexplained"


@dataclass(frozen=True)
class Key:
    """What a balance is of: a part number at a location (its code, e.g. FAC:TPK) and a grade."""

    part_number: str
    location: str
    grade: str


@dataclass(frozen=True)
class Change:
    """What one movement did to one key's balance: `delta` units in (positive) or out (negative)."""

    movement_id: str
    seq: int
    delta: int


@dataclass(frozen=True)
class Line:
    """One key's comparison: both quantities, the difference (Fieldloop's less the source's) and what explains it."""

    key: Key
    source_quantity: int
    fieldloop_quantity: int
    outcome: Outcome
    explained_by: tuple[Change, ...] = ()

    @property
    def difference(self) -> int:
        return self.fieldloop_quantity - self.source_quantity


def explain(difference: int, changes: Sequence[Change]) -> tuple[Change, ...] | None:
    """The shortest run of the latest `changes` (given in ledger order) whose deltas sum to `difference`.

    An empty tuple when there is no difference; None when no run of latest changes explains it.
    """
    if difference == 0:
        return ()
    net = 0
    for start in range(len(changes) - 1, -1, -1):
        net += changes[start].delta
        if net == difference:
            return tuple(changes[start:])
    return None


def compare(source: Mapping[Key, int], fieldloop: Mapping[Key, int],
            changes: Mapping[Key, Sequence[Change]]) -> list[Line]:
    """Every key either side has, compared; a key one side lacks counts as zero there.

    `changes` holds, per key, the movements since the last agreed balance up to the moment compared, in ledger
    order. Lines come sorted by location, part number and grade.
    """
    lines = []
    for key in sorted(set(source) | set(fieldloop), key=lambda k: (k.location, k.part_number, k.grade)):
        theirs, ours = source.get(key, 0), fieldloop.get(key, 0)
        run = explain(ours - theirs, changes.get(key, ()))
        outcome = Outcome.AGREES if ours == theirs else Outcome.UNEXPLAINED if run is None else Outcome.EXPLAINED
        lines.append(Line(key, theirs, ours, outcome, run or ()))
    return lines


def differences(lines: Iterable[Line]) -> list[Line]:
    """The lines that do not agree."""
    return [line for line in lines if line.outcome != Outcome.AGREES]
