"""Leak control: what a job expects back and nobody logged, unit by unit.

The phone asks about these units at completion; the server makes each one it is
still missing, when the completion arrives, an unconfirmed return line.
"""

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Expected-part actions that bring a part back (server/models/jobs.py: EXPECTED_PART_ACTIONS).
COMING_BACK = ("replace", "collect")
#: Names the ids of unconfirmed lines, so that one job's missing unit always has the same id.
UNCONFIRMED_NAMESPACE = uuid.UUID("6f1c1d8e-6a8e-4c59-9a53-3f0b1c2d7e11")


@dataclass(frozen=True)
class MissingUnit:
    part_number: str
    #: 1 for the first unit of this part number the job expected and nobody removed, 2 for the next…
    unit: int

    def line_id(self, job_id: int) -> uuid.UUID:
        """The id of this unit's unconfirmed line: the same however often the completion is applied."""
        return uuid.uuid5(UNCONFIRMED_NAMESPACE, f"{job_id}:{self.part_number}:{self.unit}")


def _expected(expected_parts: Iterable[Mapping], actions: tuple[str, ...]) -> Counter:
    wanted: Counter = Counter()
    for part in expected_parts:
        if part.get("action") in actions:
            wanted[part["part_number"]] += int(part.get("quantity", 1))
    return wanted


def missing_units(expected_parts: Iterable[Mapping], logged: Mapping[str, int]) -> list[MissingUnit]:
    """The units of `replace` and `collect` expected parts beyond what was logged coming back (`logged`:
    part number → units removed or collected on the job)."""
    expected = _expected(expected_parts, COMING_BACK)
    return [MissingUnit(part_number, unit)
            for part_number, quantity in sorted(expected.items())
            for unit in range(logged.get(part_number, 0) + 1, quantity + 1)]


def installs_without_removal(expected_parts: Iterable[Mapping], installed: Mapping[str, int],
                             logged: Mapping[str, int]) -> dict[str, int]:
    """Part number → installs on a swap (`replace`) beyond the removals logged of that part number."""
    swapped = _expected(expected_parts, ("replace",))
    return {part_number: installed.get(part_number, 0) - logged.get(part_number, 0)
            for part_number in sorted(swapped) if installed.get(part_number, 0) > logged.get(part_number, 0)}


def reasons_by_unit(missing: list[MissingUnit], not_returned: Iterable[Mapping]) -> dict[MissingUnit, str]:
    """The engineer's reasons (`not_returned`: [{part_number, reason}]) given to missing units of the same
    part number, in order; a reason with no missing unit left is ignored."""
    waiting: dict[str, list[MissingUnit]] = {}
    for unit in missing:
        waiting.setdefault(unit.part_number, []).append(unit)
    reasons = {}
    for answer in not_returned:
        units = waiting.get(answer["part_number"])
        if units:
            reasons[units.pop(0)] = answer["reason"]
    return reasons
