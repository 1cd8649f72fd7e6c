"""How a line travels: the engineer carries it back, or a courier picks it up at the site.

Carry-back needs an item within the engineer's limits (carry_back in rules.toml)
and a hand-over point on the engineer's way: the destination itself, or the
cross-dock depot that feeds it, at most `max_detour_km` off the way to the end
of the day.
"""

from dataclasses import dataclass, field
from typing import Sequence

from common.enums import FacilityCapability, TravelMode
from server.logistics.destination import FacilityOption
from server.logistics.disposition import ReturnLine
from server.logistics.geo import road_km
from server.logistics.policy import Policy


@dataclass(frozen=True)
class EngineerDay:
    """Where the engineer who removed the item ends the day, and what the day already visits."""

    end_lat: float
    end_lon: float
    facility_ids_on_route: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self):
        object.__setattr__(self, "facility_ids_on_route", frozenset(self.facility_ids_on_route))


@dataclass(frozen=True)
class TravelDecision:
    mode: TravelMode
    reason: str
    #: Where the engineer drops the item: the destination or the depot feeding it.
    handover: FacilityOption | None = None
    detour_km: float | None = None


def carry_back_refusal(line: ReturnLine, policy: Policy) -> str | None:
    """Why the item cannot be carried by an engineer, or None if it can."""
    rules, part = policy.carry_back, line.part
    weight_kg, volume_l = part.weight_kg * line.quantity, part.volume_l * line.quantity
    if part.hazardous and not rules.allow_hazardous:
        return "hazardous material is not carried back by engineers"
    if weight_kg > rules.max_weight_kg:
        return f"{weight_kg:g} kg is over the {rules.max_weight_kg:g} kg carry-back limit"
    if volume_l > rules.max_volume_l:
        return f"{volume_l:g} l is over the {rules.max_volume_l:g} l carry-back limit"
    return None


def carry_back_allowed(line: ReturnLine, policy: Policy) -> bool:
    return carry_back_refusal(line, policy) is None


def decide_travel(
    line: ReturnLine,
    destination: FacilityOption | None,
    day: EngineerDay | None,
    policy: Policy,
    facilities: Sequence[FacilityOption] = (),
) -> TravelDecision:
    """Carry-back or courier pickup for a line whose destination is decided.

    Parameters
    ----------
    line
        The line, at its site.
    destination
        The facility it goes to (or the depot holding it); None leaves it at the site.
    day
        The day of the engineer who removed it; None when unknown.
    policy
        Carry-back limits and the road detour factor.
    facilities
        Where to find the depot named by ``destination.fed_by_id``.

    Returns
    -------
    TravelDecision
        CARRY_BACK with the hand-over point and the detour, or COURIER_PICKUP; both with a reason.
    """
    courier = TravelMode.COURIER_PICKUP
    if destination is None:
        return TravelDecision(courier, "Courier pickup: no facility can take it yet, so it waits at the site.")
    refusal = carry_back_refusal(line, policy)
    if refusal:
        return TravelDecision(courier, f"Courier pickup: {refusal}.")
    if day is None:
        return TravelDecision(courier, "Courier pickup: the engineer's day is not known.")
    points = _handover_points(line, destination, facilities)
    handover = min(points, key=lambda p: (_detour_km(line, p, day, policy), p.facility_id))
    detour_km = _detour_km(line, handover, day, policy)
    point = handover.name if handover is destination else f"{handover.name}, which forwards to {destination.name},"
    limit = policy.carry_back.max_detour_km
    if detour_km > limit:
        return TravelDecision(
            courier,
            f"Courier pickup: dropping it at {point} would be a {detour_km:.0f} km detour on the engineer's way "
            f"(limit {limit:g} km).",
        )
    if handover.facility_id in day.facility_ids_on_route:
        where = f"{point} is already on the engineer's route"
    elif detour_km < 0.05:
        where = f"{point} is on the way"
    else:
        where = f"{point} is a {detour_km:.1f} km detour on the way (limit {limit:g} km)"
    rules, part = policy.carry_back, line.part
    size = f"{part.weight_kg * line.quantity:g} kg and {part.volume_l * line.quantity:g} l"
    return TravelDecision(
        TravelMode.CARRY_BACK,
        f"Carry back: {size} are within the engineer's limits ({rules.max_weight_kg:g} kg, "
        f"{rules.max_volume_l:g} l) and {where}.",
        handover,
        round(detour_km, 1),
    )


def _handover_points(
    line: ReturnLine, destination: FacilityOption, facilities: Sequence[FacilityOption]
) -> list[FacilityOption]:
    points = [destination]
    for f in facilities:
        if (
            f.facility_id == destination.fed_by_id
            and FacilityCapability.CROSS_DOCK in f.capabilities
            and (not line.part.hazardous or FacilityCapability.HAZARDOUS in f.capabilities)
        ):
            points.append(f)
    return points


def _detour_km(line: ReturnLine, point: FacilityOption, day: EngineerDay, policy: Policy) -> float:
    """Extra road km to call at `point` between the site and the end of the day."""
    if point.facility_id in day.facility_ids_on_route:
        return 0.0
    factor = policy.transport.detour_factor
    via = road_km(line.site_lat, line.site_lon, point.lat, point.lon, factor) + road_km(
        point.lat, point.lon, day.end_lat, day.end_lon, factor
    )
    return max(0.0, via - road_km(line.site_lat, line.site_lon, day.end_lat, day.end_lon, factor))
