"""When the lines waiting at a site are worth a courier pickup: the consolidation window.

Lines at one site share one pickup. It is held open until enough value or
volume waits, a line's deadline forces it, or the oldest line has waited the
whole window ([consolidation] in rules.toml).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Sequence
from uuid import UUID

from server.logistics.policy import Policy


@dataclass(frozen=True)
class WaitingLine:
    """A line at a site waiting for a courier pickup."""

    line_id: UUID | str
    site_id: int
    #: Expected recovered value (the disposition's); a negative value counts as nothing.
    value: float
    volume_l: float
    waiting_since: date
    #: The day it must reach its facility (a vendor return's deadline), if any.
    deadline: date | None = None
    weight_kg: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "value", float(self.value))
        for name in ("volume_l", "weight_kg"):
            if getattr(self, name) < 0:
                raise ValueError(f"Line {self.line_id}: {name} must be at least 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class PickupDecision:
    #: Worth collecting now (a prize-collecting stop for the route planner).
    due: bool
    #: Must be collected now: a deadline or the window forces it.
    mandatory: bool
    reason: str
    #: The latest day to collect without missing a deadline or overrunning the window.
    deadline: date | None
    #: Value at stake + urgency; never negative.
    prize: float
    site_id: int | None = None
    #: What is waiting, for the route planner's stop.
    value: float = 0.0
    volume_l: float = 0.0
    weight_kg: float = 0.0


def group_by_site(lines: Iterable[WaitingLine]) -> dict[int, tuple[WaitingLine, ...]]:
    """The lines of each site, sites in id order, lines in the order given."""
    by_site: dict[int, list[WaitingLine]] = defaultdict(list)
    for line in lines:
        by_site[line.site_id].append(line)
    return {site: tuple(by_site[site]) for site in sorted(by_site)}


def pickup_due(lines_waiting: Sequence[WaitingLine], today: date, policy: Policy) -> PickupDecision:
    """Whether the lines waiting at one site should be picked up now, and what the stop is worth.

    Parameters
    ----------
    lines_waiting
        The lines waiting at one site (see `group_by_site`).
    today
        The planning day.
    policy
        Its ``consolidation`` rules: window, thresholds, deadline lead days, urgency weight.

    Returns
    -------
    PickupDecision
        ``mandatory`` once today reaches the latest collection day (a deadline less
        the transit lead days, or the end of the oldest line's window); ``due`` when
        mandatory or when the value or the volume waiting reaches its threshold.
        ``prize`` = positive value waiting + ``urgency_weight`` × days of the window used up.

    Raises
    ------
    ValueError
        The lines belong to more than one site.
    """
    if not lines_waiting:
        return PickupDecision(False, False, "Nothing is waiting.", None, 0.0)
    sites = sorted({line.site_id for line in lines_waiting})
    if len(sites) > 1:
        raise ValueError(f"pickup_due takes the lines of one site, got sites {sites}; use group_by_site")
    rules, m = policy.consolidation, policy.money
    value = sum(max(0.0, line.value) for line in lines_waiting)
    volume_l = sum(line.volume_l for line in lines_waiting)
    weight_kg = sum(line.weight_kg for line in lines_waiting)
    collect_by, forcing, why = min(_latest_collection(line, policy) for line in lines_waiting)
    days_left = (collect_by - today).days
    prize = round(value + rules.urgency_weight * max(0, rules.window_days - days_left), 2)

    def decision(due: bool, mandatory: bool, reason: str) -> PickupDecision:
        return PickupDecision(due, mandatory, reason, collect_by, prize, sites[0], round(value, 2), volume_l, weight_kg)

    if days_left <= 0:
        late = f", {-days_left} days late" if days_left < 0 else ""
        return decision(True, True, f"Mandatory: {why}, so it must be collected by {collect_by}{late}.")
    if value >= rules.min_value:
        return decision(True, False, f"Due: {m(value)} waiting reaches the {m(rules.min_value)} pickup threshold.")
    if volume_l >= rules.min_volume_l:
        return decision(
            True, False, f"Due: {volume_l:g} l waiting reaches the {rules.min_volume_l:g} l pickup threshold."
        )
    return decision(
        False,
        False,
        f"Wait: {m(value)} and {volume_l:g} l waiting, under the {m(rules.min_value)} and "
        f"{rules.min_volume_l:g} l pickup thresholds; collect by {collect_by} at the latest.",
    )


def _latest_collection(line: WaitingLine, policy: Policy) -> tuple[date, int, str]:
    """The latest day to collect a line, a tie-break (deadlines first) and why."""
    rules = policy.consolidation
    window_end = line.waiting_since + timedelta(days=rules.window_days)
    if line.deadline is not None:
        by_deadline = line.deadline - timedelta(days=rules.deadline_lead_days)
        if by_deadline <= window_end:
            return (
                by_deadline,
                0,
                f"line {line.line_id} must reach its facility by {line.deadline} "
                f"and takes {rules.deadline_lead_days} days in transit",
            )
    return (
        window_end,
        1,
        f"line {line.line_id} has waited since {line.waiting_since} and the window is {rules.window_days} days",
    )
