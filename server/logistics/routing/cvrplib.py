"""CVRPLIB benchmark files: reading a CVRP instance, writing and costing a solution.

Distances follow the CVRPLIB convention for the X instances: Euclidean
distance between the coordinates, rounded to the nearest integer. Solutions
number customers as CVRPLIB does: the depot is left out and the customer on
node ``i + 1`` of the file is customer ``i``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import vrplib
from pyvrp import Model, ProblemData, Solution


@dataclass(frozen=True)
class CvrpInstance:
    """
    A single-depot CVRP read from a VRPLIB file.

    Parameters
    ----------
    name
        Instance name from the file.
    distances
        Rounded distance matrix over all nodes, depot first.
    demands
        Demand per node, depot first (its demand is zero).
    capacity
        Vehicle capacity.
    coordinates
        ``(x, y)`` per node, depot first.
    """

    name: str
    distances: np.ndarray
    demands: np.ndarray
    capacity: int
    coordinates: np.ndarray

    @property
    def num_customers(self) -> int:
        return len(self.demands) - 1


def read_cvrp(path: str | os.PathLike) -> CvrpInstance:
    """
    Reads a CVRPLIB CVRP instance.

    Raises
    ------
    ValueError
        When the file is not a single-depot CVRP with the depot on node 1.
    """
    instance = vrplib.read_instance(path, compute_edge_weights=True)
    depots = np.atleast_1d(instance.get("depot", [0]))
    if len(depots) != 1 or depots[0] != 0:
        raise ValueError("instance must have a single depot on node 1.")
    if "capacity" not in instance or "demand" not in instance:
        raise ValueError("instance must have a CAPACITY and a DEMAND_SECTION.")

    return CvrpInstance(
        name=str(instance.get("name", os.path.basename(path))),
        distances=np.round(instance["edge_weight"]).astype(np.int64),
        demands=np.asarray(instance["demand"], dtype=np.int64),
        capacity=int(instance["capacity"]),
        coordinates=np.asarray(instance.get("node_coord", np.zeros((len(instance["demand"]), 2)))),
    )


def to_problem_data(instance: CvrpInstance) -> ProblemData:
    """
    The instance as PyVRP data: client ``i`` is customer ``i + 1`` of the file,
    and the fleet is unlimited (one van per customer), as CVRPLIB assumes.
    """
    model = Model()
    locations = [model.add_location(x=float(x), y=float(y)) for x, y in instance.coordinates]
    depot = model.add_depot(locations[0])
    model.add_vehicle_type(
        num_available=instance.num_customers,
        capacity=instance.capacity,
        start_depot=depot,
        end_depot=depot,
    )
    for location, demand in zip(locations[1:], instance.demands[1:]):
        model.add_client(location, delivery=int(demand))

    # Matrices go in whole: one Edge object per pair would cost seconds.
    return model.data().replace(
        distance_matrices=[instance.distances],
        duration_matrices=[instance.distances],
    )


def solution_routes(solution: Solution) -> list[list[int]]:
    """Routes as lists of CVRPLIB customer numbers (client index + 1)."""
    return [[visit.idx + 1 for visit in route.schedule() if visit.is_client()] for route in solution.routes()]


def route_cost(instance: CvrpInstance, routes: list[list[int]]) -> int:
    """Total rounded distance of ``routes``, each from and back to the depot."""
    total = 0
    for route in routes:
        path = [0, *route, 0]
        total += int(sum(instance.distances[a, b] for a, b in zip(path, path[1:])))
    return total


def write_solution(path: str | os.PathLike, routes: list[list[int]], cost: int) -> None:
    """Writes ``routes`` in CVRPLIB ``.sol`` format ("Route #1: 3 5 8" ... "Cost 27591")."""
    with open(path, "w") as handle:
        for number, route in enumerate(routes, 1):
            handle.write(f"Route #{number}: {' '.join(map(str, route))}\n")
        handle.write(f"Cost {cost}\n")


def read_solution(path: str | os.PathLike) -> tuple[list[list[int]], int | None]:
    """Reads a CVRPLIB ``.sol`` file: its routes and its stated cost."""
    solution = vrplib.read_solution(path)
    cost = solution.get("cost")
    return [list(map(int, route)) for route in solution["routes"]], None if cost is None else int(cost)
