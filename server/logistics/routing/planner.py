"""Plans the day's courier pickup rounds: the domain problem in, PyVRP in the middle, rounds out."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pyvrp import Model, ProblemData, Solution

from server.logistics.routing import scaling
from server.logistics.routing.distances import DistanceProvider, GreatCircleProvider
from server.logistics.routing.plan import PlannedRoute, PlannedStop, RoutePlan
from server.logistics.routing.problem import Depot, PickupStop, VehicleType
from server.logistics.routing.search import ProgressCallback, solve


class NoFeasiblePlanError(RuntimeError):
    """No plan serves every mandatory pickup within the vans, shifts and access hours."""


def plan_routes(
    depots: Sequence[Depot],
    vehicle_types: Sequence[VehicleType],
    pickups: Sequence[PickupStop],
    provider: DistanceProvider | None = None,
    seconds: float = 5.0,
    seed: int = 0,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
    in_child_processes: bool = False,
) -> RoutePlan:
    """
    Plans pickup rounds that collect every mandatory pickup and the optional
    pickups worth their detour, at least cost.

    The cost of a plan is the running cost of the kilometres driven, plus the
    fixed cost of each van used, plus the prize of every optional pickup left
    for another day.

    Parameters
    ----------
    depots
        Depots the vans start from and return to.
    vehicle_types
        The vans available, by depot.
    pickups
        Sites to collect from.
    provider
        Source of road distances and driving times; defaults to
        :class:`GreatCircleProvider` with its defaults.
    seconds
        Wall-time budget of the search.
    seed
        Seed of the search, for reproducible plans.
    workers
        Parallel searches; defaults to one per usable core.
    on_progress
        Called about once a second with the best objective so far.
    in_child_processes
        Run every search in a child process, keeping this interpreter free
        for the caller's other threads (a server planning in the background).

    Returns
    -------
    RoutePlan
        The rounds and the skipped optional pickups.

    Raises
    ------
    ValueError
        When the input is inconsistent: duplicate ids, a vehicle type at an
        unknown depot, or a mandatory pickup no van can carry.
    NoFeasiblePlanError
        When the search finds no plan that serves every mandatory pickup
        within capacities, shifts and access hours.
    """
    _check_consistent(depots, vehicle_types, pickups)
    provider = GreatCircleProvider() if provider is None else provider
    if not pickups:
        return RoutePlan(routes=[])

    points = [(d.lat, d.lon) for d in depots] + [(p.lat, p.lon) for p in pickups]
    distance_km, duration_min = provider.matrix(points)
    distance_km = np.asarray(distance_km, dtype=float)
    duration_min = np.asarray(duration_min, dtype=float)
    if distance_km.shape != (len(points), len(points)) or duration_min.shape != distance_km.shape:
        raise ValueError("provider must return square matrices over all depots and pickups.")

    data = _problem_data(depots, vehicle_types, pickups, distance_km, duration_min)
    solution = solve(data, seconds, seed=seed, workers=workers, on_progress=on_progress,
                     own_search=not in_child_processes)
    if not solution.is_feasible():
        raise NoFeasiblePlanError(
            "no plan serves every mandatory pickup within the vans' capacity, "
            "their shifts and the sites' access hours"
        )
    return _route_plan(solution, depots, vehicle_types, pickups, distance_km)


def _check_consistent(depots, vehicle_types, pickups) -> None:
    if not depots:
        raise ValueError("depots must not be empty.")
    if not vehicle_types:
        raise ValueError("vehicle_types must not be empty.")

    depot_ids = [depot.id for depot in depots]
    if len(set(depot_ids)) != len(depot_ids):
        raise ValueError("depot ids must be unique.")
    pickup_ids = [pickup.id for pickup in pickups]
    if len(set(pickup_ids)) != len(pickup_ids):
        raise ValueError("pickup ids must be unique.")
    for vehicle_type in vehicle_types:
        if vehicle_type.depot_id not in depot_ids:
            raise ValueError(f"vehicle type depot_id must be a known depot, not {vehicle_type.depot_id!r}.")

    for pickup in pickups:
        if pickup.mandatory and not any(_fits(pickup, vt) for vt in vehicle_types):
            raise ValueError(f"mandatory pickup {pickup.id!r} must fit in at least one vehicle type.")


def _fits(pickup: PickupStop, vehicle_type: VehicleType) -> bool:
    return (
        pickup.weight_kg <= vehicle_type.capacity_weight_kg
        and pickup.volume_l <= vehicle_type.capacity_volume_l
    )


def _problem_data(depots, vehicle_types, pickups, distance_km, duration_min) -> ProblemData:
    model = Model()
    # Locations carry (lon, lat) only for plotting; the search reads the matrices.
    depot_models = {}
    for depot in depots:
        location = model.add_location(x=depot.lon, y=depot.lat, name=depot.id)
        depot_models[depot.id] = model.add_depot(location, name=depot.id)

    for vehicle_type in vehicle_types:
        depot = depot_models[vehicle_type.depot_id]
        model.add_vehicle_type(
            num_available=vehicle_type.count,
            capacity=[
                scaling.weight_units_down(vehicle_type.capacity_weight_kg),
                scaling.volume_units_down(vehicle_type.capacity_volume_l),
            ],
            start_depot=depot,
            end_depot=depot,
            fixed_cost=scaling.money_units(vehicle_type.fixed_cost),
            tw_early=scaling.seconds_up(vehicle_type.shift_start),
            tw_late=scaling.seconds_down(vehicle_type.shift_end),
            shift_duration=scaling.seconds_down(vehicle_type.longest_round_min),
            unit_distance_cost=scaling.distance_cost_per_metre(vehicle_type.cost_per_km),
        )

    for pickup in pickups:
        location = model.add_location(x=pickup.lon, y=pickup.lat, name=pickup.id)
        service_s = scaling.seconds_up(pickup.service_min)
        earliest_s = scaling.seconds_up(pickup.window_start)
        # The whole visit must fit in the access hours, so service starts
        # early enough to end by window_end.
        latest_s = max(earliest_s, scaling.seconds_down(pickup.window_end) - service_s)
        model.add_client(
            location,
            pickup=[scaling.weight_units_up(pickup.weight_kg), scaling.volume_units_up(pickup.volume_l)],
            delivery=[0, 0],
            service_duration=service_s,
            tw_early=earliest_s,
            tw_late=latest_s,
            prize=0 if pickup.mandatory else scaling.money_units(pickup.prize),
            required=pickup.mandatory,
            name=pickup.id,
        )

    distance_m = np.rint(distance_km * scaling.METRES_PER_KM).astype(np.int64)
    duration_s = np.rint(duration_min * scaling.SECONDS_PER_MIN).astype(np.int64)
    np.fill_diagonal(distance_m, 0)
    np.fill_diagonal(duration_s, 0)
    # Whole matrices at once: one Edge object per pair would cost seconds.
    return model.data().replace(distance_matrices=[distance_m], duration_matrices=[duration_s])


def _route_plan(solution: Solution, depots, vehicle_types, pickups, distance_km) -> RoutePlan:
    routes = []
    served = set()
    for route in solution.routes():
        vehicle_type = vehicle_types[route.vehicle_type()]
        depot_index = route.start_depot()
        stops = []
        weight_kg = volume_l = 0.0
        path = [depot_index]
        for visit in route.schedule():
            if not visit.is_client():
                continue
            pickup = pickups[visit.idx]
            served.add(visit.idx)
            weight_kg += pickup.weight_kg
            volume_l += pickup.volume_l
            path.append(len(depots) + visit.idx)
            stops.append(
                PlannedStop(
                    pickup_id=pickup.id,
                    arrival=scaling.minutes(visit.start_time - visit.wait_duration),
                    service_start=scaling.minutes(visit.start_time),
                    departure=scaling.minutes(visit.end_time),
                    load_weight_kg_after=weight_kg,
                    load_volume_l_after=volume_l,
                )
            )
        path.append(route.end_depot())
        km = float(sum(distance_km[a, b] for a, b in zip(path, path[1:])))
        routes.append(
            PlannedRoute(
                vehicle_type=route.vehicle_type(),
                depot_id=depots[depot_index].id,
                start=scaling.minutes(route.start_time()),
                end=scaling.minutes(route.end_time()),
                stops=stops,
                distance_km=km,
                duration_min=scaling.minutes(route.duration()),
                load_weight_kg=weight_kg,
                load_volume_l=volume_l,
                cost=km * vehicle_type.cost_per_km + vehicle_type.fixed_cost,
            )
        )

    skipped = [pickup for index, pickup in enumerate(pickups) if index not in served]
    return RoutePlan(
        routes=routes,
        skipped=[pickup.id for pickup in skipped],
        total_distance_km=sum(route.distance_km for route in routes),
        total_cost=sum(route.cost for route in routes),
        skipped_prize=sum(pickup.prize for pickup in skipped),
    )
