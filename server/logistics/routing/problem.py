"""What a pickup round is planned from: depots, vehicle types and pickup stops.

Times of day are minutes from midnight of the planning day (``8 * 60`` is
08:00), as floats or ints; the planner works within a single day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MINUTES_PER_DAY = 24 * 60


def _check_coordinates(lat: float, lon: float) -> None:
    if not -90.0 <= lat <= 90.0:
        raise ValueError("lat must be between -90 and 90 degrees.")
    if not -180.0 <= lon <= 180.0:
        raise ValueError("lon must be between -180 and 180 degrees.")


def _check_time_of_day(name: str, minutes: float) -> None:
    if not (math.isfinite(minutes) and 0 <= minutes <= MINUTES_PER_DAY):
        raise ValueError(f"{name} must be minutes from midnight, in [0, 1440].")


@dataclass(frozen=True)
class Depot:
    """
    A place where courier vans start and end their rounds, and where collected
    parts are unloaded.

    Parameters
    ----------
    id
        Identifier of the depot, unique among the depots of one planning call.
    lat, lon
        Position in degrees (WGS84).
    """

    id: str
    lat: float
    lon: float

    def __post_init__(self):
        if not self.id:
            raise ValueError("id must be a non-empty string.")
        _check_coordinates(self.lat, self.lon)


@dataclass(frozen=True)
class VehicleType:
    """
    A group of identical vans based at one depot.

    Parameters
    ----------
    depot_id
        Identifier of the depot where these vans start and end.
    count
        Number of vans of this type available for the day. Must be positive.
    capacity_weight_kg
        Load each van can carry, in kilograms.
    capacity_volume_l
        Cargo volume of each van, in litres.
    shift_start, shift_end
        Earliest departure from and latest return to the depot, in minutes
        from midnight.
    max_duration_min
        Longest a round may take from departure to return (driving, service
        and waiting), in minutes. ``None`` means the length of the shift.
    cost_per_km
        Running cost per kilometre driven, in money units.
    fixed_cost
        Cost of taking one van out for the day, in money units.
    """

    depot_id: str
    count: int
    capacity_weight_kg: float
    capacity_volume_l: float
    shift_start: float = 8 * 60
    shift_end: float = 17 * 60
    max_duration_min: float | None = None
    cost_per_km: float = 0.5
    fixed_cost: float = 0.0

    def __post_init__(self):
        if not self.depot_id:
            raise ValueError("depot_id must be a non-empty string.")
        if self.count < 1:
            raise ValueError("count must be at least 1.")
        if not self.capacity_weight_kg > 0:
            raise ValueError("capacity_weight_kg must be positive.")
        if not self.capacity_volume_l > 0:
            raise ValueError("capacity_volume_l must be positive.")
        _check_time_of_day("shift_start", self.shift_start)
        _check_time_of_day("shift_end", self.shift_end)
        if self.shift_end <= self.shift_start:
            raise ValueError("shift_end must be after shift_start.")
        if self.max_duration_min is not None and not self.max_duration_min > 0:
            raise ValueError("max_duration_min must be positive.")
        if self.cost_per_km < 0:
            raise ValueError("cost_per_km must be non-negative.")
        if self.fixed_cost < 0:
            raise ValueError("fixed_cost must be non-negative.")

    @property
    def longest_round_min(self) -> float:
        """The binding limit on a round's duration, in minutes."""
        shift_min = self.shift_end - self.shift_start
        if self.max_duration_min is None:
            return shift_min
        return min(shift_min, self.max_duration_min)


@dataclass(frozen=True)
class PickupStop:
    """
    A customer site where removed parts wait to be collected.

    Parameters
    ----------
    id
        Identifier of the pickup, unique within one planning call.
    lat, lon
        Position of the site in degrees (WGS84).
    weight_kg, volume_l
        Total weight and volume of the parts to collect there.
    service_min
        Time on site (parking, finding the contact, loading), in minutes.
    window_start, window_end
        Site access hours for the day, in minutes from midnight. The whole
        visit, service included, must fit inside them.
    prize
        What collecting today is worth, in money units: the value of the
        parts at stake plus an urgency premium. An optional pickup is left
        for another day when the detour costs more than its prize.
    mandatory
        Whether the pickup must be collected today whatever it costs (for
        example because its return deadline has passed). Mandatory pickups
        ignore ``prize``.
    """

    id: str
    lat: float
    lon: float
    weight_kg: float
    volume_l: float
    service_min: float = 10.0
    window_start: float = 0.0
    window_end: float = float(MINUTES_PER_DAY)
    prize: float = 0.0
    mandatory: bool = False

    def __post_init__(self):
        if not self.id:
            raise ValueError("id must be a non-empty string.")
        _check_coordinates(self.lat, self.lon)
        if self.weight_kg < 0:
            raise ValueError("weight_kg must be non-negative.")
        if self.volume_l < 0:
            raise ValueError("volume_l must be non-negative.")
        if self.service_min < 0:
            raise ValueError("service_min must be non-negative.")
        _check_time_of_day("window_start", self.window_start)
        _check_time_of_day("window_end", self.window_end)
        if self.window_end - self.window_start < self.service_min:
            raise ValueError("window_end must leave room for service_min after window_start.")
        if self.prize < 0:
            raise ValueError("prize must be non-negative.")
