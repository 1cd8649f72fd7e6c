"""What the planner returns: the day's pickup rounds and the pickups left for later."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlannedStop:
    """
    One visit of a round.

    Parameters
    ----------
    pickup_id
        The pickup collected.
    arrival
        When the van gets there, in minutes from midnight.
    service_start
        When loading starts; later than ``arrival`` when the van waits for
        the site to open.
    departure
        When the van leaves, loading done.
    load_weight_kg_after, load_volume_l_after
        What the van carries when it leaves this stop.
    """

    pickup_id: str
    arrival: float
    service_start: float
    departure: float
    load_weight_kg_after: float
    load_volume_l_after: float

    @property
    def wait_min(self) -> float:
        """Minutes spent waiting for the site to open."""
        return self.service_start - self.arrival


@dataclass(frozen=True)
class PlannedRoute:
    """
    One van's round: out of its depot, through the stops, back to the depot.

    Parameters
    ----------
    vehicle_type
        Index of the vehicle type in the list given to the planner.
    depot_id
        Depot the round starts and ends at.
    start, end
        Departure from and return to the depot, in minutes from midnight.
    stops
        The visits, in driving order.
    distance_km
        Road distance of the round.
    duration_min
        Time from departure to return, waiting included.
    load_weight_kg, load_volume_l
        What the van brings back to the depot.
    cost
        Running cost plus the van's fixed cost, in money units.
    """

    vehicle_type: int
    depot_id: str
    start: float
    end: float
    stops: list[PlannedStop]
    distance_km: float
    duration_min: float
    load_weight_kg: float
    load_volume_l: float
    cost: float


@dataclass(frozen=True)
class RoutePlan:
    """
    The day's plan.

    Parameters
    ----------
    routes
        The rounds, one per van used.
    skipped
        Identifiers of the optional pickups left for another day.
    total_distance_km
        Road distance over all rounds.
    total_cost
        Running and fixed costs over all rounds, in money units.
    skipped_prize
        Sum of the prizes of the skipped pickups, in money units.
    """

    routes: list[PlannedRoute]
    skipped: list[str] = field(default_factory=list)
    total_distance_km: float = 0.0
    total_cost: float = 0.0
    skipped_prize: float = 0.0

    @property
    def objective(self) -> float:
        """What the planner minimises: costs plus the prizes given up."""
        return self.total_cost + self.skipped_prize

    @property
    def served(self) -> list[str]:
        """Identifiers of the pickups collected, round by round."""
        return [stop.pickup_id for route in self.routes for stop in route.stops]
