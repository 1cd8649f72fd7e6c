"""Where an item can go: which facilities can perform a disposition, at what cost.

A facility qualifies for a disposition when it has the matching capability, is
certified for hazardous material if the item is hazardous, and has capacity
left; among those the cheapest (courier transport + processing) wins.
"""

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Sequence

from common.enums import Disposition, FacilityCapability, FacilityKind
from server.logistics.geo import road_km
from server.logistics.policy import Policy

#: The capability a facility needs to carry out each disposition.
REQUIRED_CAPABILITY: Mapping[Disposition, FacilityCapability] = MappingProxyType(
    {
        Disposition.REFURBISH: FacilityCapability.REFURBISH,
        Disposition.REUSE: FacilityCapability.STOCK,
        Disposition.RETURN_TO_VENDOR: FacilityCapability.VENDOR_RETURNS,
        Disposition.RECYCLE: FacilityCapability.RECYCLE,
        Disposition.SCRAP: FacilityCapability.SCRAP,
    }
)

_DOING = {
    Disposition.REFURBISH: "refurbish",
    Disposition.REUSE: "stock parts for reuse",
    Disposition.RETURN_TO_VENDOR: "handle vendor returns",
    Disposition.RECYCLE: "recycle",
    Disposition.SCRAP: "scrap",
}


@dataclass(frozen=True)
class FacilityOption:
    """A facility as the engine sees it for one planning period."""

    facility_id: int
    name: str
    kind: FacilityKind
    capabilities: frozenset[FacilityCapability]
    lat: float
    lon: float
    #: Items it can still take in this period; below the line's quantity it is full.
    remaining_capacity_units: int
    #: Processing cost per unit, by disposition; a missing disposition costs nothing.
    processing_costs: Mapping[Disposition, float] = field(default_factory=dict, hash=False)
    #: The cross-dock depot that forwards items here, if any.
    fed_by_id: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "kind", FacilityKind(self.kind))
        object.__setattr__(self, "capabilities", frozenset(FacilityCapability(c) for c in self.capabilities))
        costs = {Disposition(d): float(c) for d, c in self.processing_costs.items()}
        for disposition, cost in costs.items():
            if cost < 0:
                raise ValueError(f"{self.name}: processing cost of {disposition} must be at least 0, got {cost}")
        object.__setattr__(self, "processing_costs", MappingProxyType(costs))
        if not -90 <= self.lat <= 90 or not -180 <= self.lon <= 180:
            raise ValueError(f"{self.name}: latitude/longitude out of range: {self.lat}, {self.lon}")

    def can_perform(self, disposition: Disposition, hazardous: bool) -> bool:
        """Has the capability (and the hazardous certification, if needed), whatever its capacity."""
        return self.refusal(disposition, hazardous) is None

    def refusal(self, disposition: Disposition, hazardous: bool) -> str | None:
        """Why the facility cannot take a line to `disposition`, in words (None when it can)."""
        if REQUIRED_CAPABILITY[disposition] not in self.capabilities:
            return f"{self.name} does not {_DOING[disposition]}"
        if hazardous and FacilityCapability.HAZARDOUS not in self.capabilities:
            return f"{self.name} is not certified for hazardous material"
        return None

    def has_room_for(self, quantity: int) -> bool:
        return self.remaining_capacity_units >= quantity


@dataclass(frozen=True)
class FacilityCost:
    """What sending one line to one facility costs."""

    facility: FacilityOption
    road_km: float
    transport_cost: float
    processing_cost: float

    @property
    def total_cost(self) -> float:
        return self.transport_cost + self.processing_cost


@dataclass(frozen=True)
class DestinationChoice:
    disposition: Disposition
    #: The cheapest capable facility with room; None when there is none.
    chosen: FacilityCost | None
    #: Capable facilities skipped for lack of capacity that were cheaper than `chosen`
    #: (all of them when nothing was chosen), cheapest first.
    full: tuple[FacilityCost, ...]
    reason: str


def cost_to(
    facility: FacilityOption, disposition: Disposition, lat: float, lon: float, quantity: int, policy: Policy
) -> FacilityCost:
    """Courier transport from (lat, lon) for the line, plus processing for its units."""
    km = road_km(lat, lon, facility.lat, facility.lon, policy.transport.detour_factor)
    return FacilityCost(
        facility=facility,
        road_km=km,
        transport_cost=km * policy.transport.courier_cost_per_km,
        processing_cost=facility.processing_costs.get(disposition, 0.0) * quantity,
    )


def choose_destination(
    disposition: Disposition,
    facilities: Sequence[FacilityOption],
    policy: Policy,
    *,
    lat: float,
    lon: float,
    quantity: int = 1,
    hazardous: bool = False,
) -> DestinationChoice:
    """The cheapest facility that can perform `disposition` for a line at (lat, lon)."""
    capable = sorted(
        (
            cost_to(f, disposition, lat, lon, quantity, policy)
            for f in facilities
            if f.can_perform(disposition, hazardous)
        ),
        key=lambda c: (c.total_cost, c.facility.facility_id),
    )
    chosen = next((c for c in capable if c.facility.has_room_for(quantity)), None)
    cut = capable.index(chosen) if chosen else len(capable)
    full = tuple(capable[:cut])
    return DestinationChoice(disposition, chosen, full, _reason(disposition, chosen, full, hazardous, policy))


def holding_depot(
    facilities: Sequence[FacilityOption],
    policy: Policy,
    *,
    lat: float,
    lon: float,
    quantity: int = 1,
    hazardous: bool = False,
) -> FacilityOption | None:
    """The nearest depot with room (and certified, for hazardous items) to hold a line no facility can take."""
    depots = [
        f
        for f in facilities
        if f.kind == FacilityKind.DEPOT
        and f.has_room_for(quantity)
        and (not hazardous or FacilityCapability.HAZARDOUS in f.capabilities)
    ]
    if not depots:
        return None
    detour = policy.transport.detour_factor
    return min(depots, key=lambda f: (road_km(lat, lon, f.lat, f.lon, detour), f.facility_id))


def describe_full(full: Sequence[FacilityCost]) -> str:
    """`Salford Refurb Centre (0 units left) is full`, for one or several facilities."""
    parts = [f"{c.facility.name} ({c.facility.remaining_capacity_units} units left)" for c in full]
    return f"{' and '.join(parts)} {'is' if len(parts) == 1 else 'are'} full"


def _reason(
    disposition: Disposition,
    chosen: FacilityCost | None,
    full: tuple[FacilityCost, ...],
    hazardous: bool,
    policy: Policy,
) -> str:
    certified = " certified for hazardous material" if hazardous else ""
    if chosen is None and not full:
        return f"No facility{certified} can {_DOING[disposition]}."
    if chosen is None:
        return f"No facility{certified} that can {_DOING[disposition]} has room: {describe_full(full)}."
    m = policy.money
    cost = f"{m(chosen.transport_cost)} transport ({chosen.road_km:.0f} km)"
    if chosen.processing_cost:
        cost += f" + {m(chosen.processing_cost)} processing"
    skipped = f"{describe_full(full)}, so " if full else ""
    return f"{skipped}{chosen.facility.name}: {cost}."
