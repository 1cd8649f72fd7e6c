"""Checks a plan against the rules it must keep, independently of the solver that made it.

Services run it before dispatching a plan; the tests run it on every plan.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from server.logistics.routing.plan import RoutePlan
from server.logistics.routing.problem import Depot, PickupStop, VehicleType

# Travel times are rounded to whole seconds inside the solver.
TOLERANCE_MIN = 1.0 / 60.0
_EPSILON = 1e-6


def plan_violations(
    plan: RoutePlan,
    depots: Sequence[Depot],
    vehicle_types: Sequence[VehicleType],
    pickups: Sequence[PickupStop],
    duration_min: Sequence[Sequence[float]] | None = None,
) -> list[str]:
    """
    Lists every rule ``plan`` breaks; an empty list means the plan is feasible.

    Parameters
    ----------
    plan
        The plan to check.
    depots, vehicle_types, pickups
        What the plan was made from.
    duration_min
        Driving times over depots then pickups, as given to the planner. When
        given, each arrival is also checked against the drive before it.

    Returns
    -------
    list[str]
        One sentence per broken rule.
    """
    problems: list[str] = []
    by_id = {pickup.id: pickup for pickup in pickups}
    position = {pickup.id: len(depots) + index for index, pickup in enumerate(pickups)}
    depot_position = {depot.id: index for index, depot in enumerate(depots)}

    visits = Counter(plan.served)
    for pickup_id, times in visits.items():
        if pickup_id not in by_id:
            problems.append(f"{pickup_id} is not a pickup of this plan")
        elif times > 1:
            problems.append(f"{pickup_id} is collected {times} times")
    for pickup in pickups:
        if pickup.mandatory and visits[pickup.id] == 0:
            problems.append(f"mandatory pickup {pickup.id} is not collected")
        if visits[pickup.id] == 0 and pickup.id not in plan.skipped:
            problems.append(f"{pickup.id} is neither collected nor listed as skipped")
    for pickup_id in plan.skipped:
        if visits[pickup_id]:
            problems.append(f"{pickup_id} is listed as skipped but collected")

    vans_used = Counter(route.vehicle_type for route in plan.routes)
    for index, used in vans_used.items():
        if not 0 <= index < len(vehicle_types):
            problems.append(f"vehicle type {index} does not exist")
        elif used > vehicle_types[index].count:
            problems.append(f"vehicle type {index} is used {used} times, but only {vehicle_types[index].count} exist")

    for number, route in enumerate(plan.routes, 1):
        if not 0 <= route.vehicle_type < len(vehicle_types):
            continue
        van = vehicle_types[route.vehicle_type]
        name = f"round {number}"
        if route.depot_id != van.depot_id:
            problems.append(f"{name} starts at {route.depot_id}, not at its van's depot {van.depot_id}")
        if route.start < van.shift_start - _EPSILON or route.end > van.shift_end + _EPSILON:
            problems.append(f"{name} runs {route.start:.1f}-{route.end:.1f}, outside its van's shift")
        if route.end - route.start > van.longest_round_min + _EPSILON:
            problems.append(f"{name} takes {route.end - route.start:.1f} min, longer than allowed")

        weight_kg = volume_l = 0.0
        previous_place, previous_departure = depot_position.get(route.depot_id), route.start
        for stop in route.stops:
            pickup = by_id.get(stop.pickup_id)
            if pickup is None:
                continue
            weight_kg += pickup.weight_kg
            volume_l += pickup.volume_l
            if weight_kg > van.capacity_weight_kg + _EPSILON or volume_l > van.capacity_volume_l + _EPSILON:
                problems.append(f"{name} is overloaded after {pickup.id}")
            if abs(stop.load_weight_kg_after - weight_kg) > _EPSILON or abs(stop.load_volume_l_after - volume_l) > _EPSILON:
                problems.append(f"{name} reports a wrong load after {pickup.id}")
            if stop.service_start < pickup.window_start - _EPSILON or stop.departure > pickup.window_end + _EPSILON:
                problems.append(f"{pickup.id} is collected outside its access hours")
            if stop.service_start < stop.arrival - _EPSILON:
                problems.append(f"{pickup.id} is served before the van arrives")
            if stop.departure < stop.service_start + pickup.service_min - TOLERANCE_MIN:
                problems.append(f"{pickup.id} is left before its service time is over")
            if duration_min is not None and previous_place is not None:
                drive = duration_min[previous_place][position[pickup.id]]
                if stop.arrival < previous_departure + drive - TOLERANCE_MIN:
                    problems.append(f"{name} reaches {pickup.id} faster than the drive allows")
            previous_place, previous_departure = position[pickup.id], stop.departure

        if duration_min is not None and previous_place is not None and route.depot_id in depot_position:
            drive = duration_min[previous_place][depot_position[route.depot_id]]
            if route.end < previous_departure + drive - TOLERANCE_MIN:
                problems.append(f"{name} gets back to its depot faster than the drive allows")

    return problems
