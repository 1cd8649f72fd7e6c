"""Courier pickup rounds: which van collects which parts, in which order, when.

``plan_routes`` takes depots, vans and pickup sites and returns a
``RoutePlan``; distances come from a ``DistanceProvider``. The command line
(``python -m server.logistics.routing``) solves CVRPLIB benchmark files with
the same search. See docs/routing.md.
"""

from server.logistics.routing.distances import (
    DistanceLookupError,
    DistanceProvider,
    GreatCircleProvider,
    OsrmTableProvider,
)
from server.logistics.routing.feasibility import plan_violations
from server.logistics.routing.plan import PlannedRoute, PlannedStop, RoutePlan
from server.logistics.routing.planner import NoFeasiblePlanError, plan_routes
from server.logistics.routing.problem import Depot, PickupStop, VehicleType

__all__ = [
    "Depot",
    "DistanceLookupError",
    "DistanceProvider",
    "GreatCircleProvider",
    "NoFeasiblePlanError",
    "OsrmTableProvider",
    "PickupStop",
    "PlannedRoute",
    "PlannedStop",
    "RoutePlan",
    "VehicleType",
    "plan_routes",
    "plan_violations",
]
