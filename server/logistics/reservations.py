"""Where a job's replacement comes from: the engineer's van, else the best stock, else a shortage.

Plain values in, a choice with its reason out (like a disposition's). The
service (server/services/stock/reservations.py) gathers the balances, less what
is already reserved, and stores the choice.
"""

from dataclasses import dataclass, field

from common.enums import GradePolicy, StockGrade
from server.logistics.geo import road_km


@dataclass(frozen=True)
class StockPlace:
    """A facility (a depot included) holding ready stock, with what is free there by grade."""

    location_id: int
    code: str
    latitude: float
    longitude: float
    available: dict[StockGrade, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceChoice:
    """Where the units are set aside, or a shortage (no location)."""

    location_id: int | None
    grade: StockGrade | None
    reason: str
    from_van: bool = False
    distance_km: float | None = None

    @property
    def short(self) -> bool:
        return self.location_id is None


def grades_allowed(policy: GradePolicy) -> tuple[StockGrade, ...]:
    """The grades that may serve a replacement, in the order they are preferred."""
    if GradePolicy(policy) == GradePolicy.NEW_ONLY:
        return (StockGrade.NEW,)
    return (StockGrade.REFURBISHED, StockGrade.NEW)


def choose_source(part_number: str, quantity: int, policy: GradePolicy, *, van_location_id: int | None,
                  van_available: dict[StockGrade, int], site: tuple[float, float], places: list[StockPlace],
                  detour_factor: float = 1.0) -> SourceChoice:
    """Choose the source of `quantity` units of `part_number` for a job at `site` (latitude, longitude).

    The van first (no delivery needed), in grade order; then, grade by grade
    (refurbished before new when the policy allows), the nearest place that has
    them all; else a shortage.
    """
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    grades = grades_allowed(policy)
    if van_location_id is not None:
        for grade in grades:
            if van_available.get(grade, 0) >= quantity:
                return SourceChoice(van_location_id, grade, f"{_unit(grade, quantity)} from the engineer's van: "
                                    "no delivery needed", from_van=True, distance_km=0.0)
    for grade in grades:
        holding = [p for p in places if p.available.get(grade, 0) >= quantity]
        if not holding:
            continue
        distance, place = min(((road_km(*site, p.latitude, p.longitude, detour_factor), p) for p in holding),
                              key=lambda pair: (pair[0], pair[1].code))
        why = _why(grade, grades)
        return SourceChoice(place.location_id, grade,
                            f"{_unit(grade, quantity)} from {place.code} ({distance:.0f} km): {why}; van holds none",
                            distance_km=distance)
    wanted = " or ".join(g.value for g in grades)
    return SourceChoice(None, None, f"Shortage: no {wanted} {part_number} free in the van or any stock location "
                        f"({quantity} needed)")


def _unit(grade: StockGrade, quantity: int) -> str:
    noun = "unit" if quantity == 1 else f"{quantity} units"
    return f"{grade.value.capitalize()} {noun}"


def _why(grade: StockGrade, grades: tuple[StockGrade, ...]) -> str:
    if grade == StockGrade.REFURBISHED:
        return "the circular choice"
    if StockGrade.REFURBISHED in grades:
        return "no refurbished unit free"
    return "the part must be new"
