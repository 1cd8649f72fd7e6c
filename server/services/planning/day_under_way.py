"""A day under way: the stops its plan has started stay as they are when the day is re-planned.

A stop has started when its pickup is collected, or when its planned arrival
has passed (the courier is there). Re-planning today keeps those stops on
their vans' rounds; the vans take new stops from now on, a van out on its
round once it is back at its depot. Every function joins the caller's
transaction.
"""

from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import PickupStatus
from server.logistics.routing import DistanceProvider
from server.models import CourierPlan, CourierRoute, CourierStop, Pickup, Vehicle
from server.models.types import utcnow
from server.services.settings import site_today


def started_stops(session: so.Session, day: date) -> list[CourierStop]:
    """The stops of `day`'s plan already collected or reached, by round and order; none unless `day` is today."""
    if day != site_today():
        return []
    now = utcnow()
    stops = session.scalars(
        sa.select(CourierStop).join(CourierRoute).join(CourierPlan)
        .where(CourierPlan.plan_date == day, CourierPlan.active.is_(True))
        .options(so.joinedload(CourierStop.pickup).joinedload(Pickup.site),
                 so.joinedload(CourierStop.route).joinedload(CourierRoute.vehicle).joinedload(Vehicle.depot))
        .order_by(CourierStop.route_id, CourierStop.sequence)
    ).unique().all()
    return [s for s in stops if s.pickup.status == PickupStatus.COLLECTED
            or (s.pickup.status == PickupStatus.SCHEDULED and s.pickup.planned_date == day and s.arrival_at <= now)]


def free_from(day: date, started: list[CourierStop], vehicles: list[Vehicle], provider: DistanceProvider,
              zone: ZoneInfo) -> dict[int, float]:
    """Today, from when (minutes from midnight) each van can take new stops: now, or back from its started ones."""
    if day != site_today():
        return {}
    now = utcnow().astimezone(zone)
    now_min = now.hour * 60 + now.minute + 1
    free = {v.id: float(now_min) for v in vehicles}
    last_by_van = {stop.route.vehicle_id: stop for stop in started}
    for vehicle_id, stop in last_by_van.items():
        depot = stop.route.vehicle.depot
        _, duration = provider.matrix([(stop.pickup.site.latitude, stop.pickup.site.longitude),
                                       (depot.latitude, depot.longitude)])
        left = stop.departure_at.astimezone(zone)
        free[vehicle_id] = max(now_min, left.hour * 60 + left.minute + float(duration[0][1]))
    return free


def keep(session: so.Session, plan: CourierPlan, started: list[CourierStop]) -> None:
    """Copy the started stops, on their vans' rounds as far as they got, into the new plan."""
    by_route: dict[int, list[CourierStop]] = {}
    for stop in started:
        by_route.setdefault(stop.route_id, []).append(stop)
    for stops in by_route.values():
        old = stops[0].route
        record = CourierRoute(
            plan=plan, vehicle_id=old.vehicle_id, start_at=old.start_at, end_at=stops[-1].departure_at,
            distance_km=old.distance_km,
            duration_min=round((stops[-1].departure_at - old.start_at).total_seconds() / 60, 1),
            load_weight_kg=stops[-1].load_weight_kg_after, load_volume_l=stops[-1].load_volume_l_after, cost=old.cost,
        )
        session.add(record)
        for sequence, stop in enumerate(stops, start=1):
            session.add(CourierStop(
                route=record, sequence=sequence, pickup_id=stop.pickup_id, arrival_at=stop.arrival_at,
                service_start_at=stop.service_start_at, departure_at=stop.departure_at,
                load_weight_kg_after=stop.load_weight_kg_after, load_volume_l_after=stop.load_volume_l_after,
            ))
