"""How a reserved unit reaches the engineer: to their depot for collection, or by courier to the site.

The cheaper mode that can arrive by its deadline wins; when neither can, the
one that is least late, dispatched at once. Plain values in, a plan with its
reason out. The numbers are data (rules.toml [deliveries]).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from common.enums import DeliveryMode
from server.logistics.geo import road_km


@dataclass(frozen=True)
class DeliveryRules:
    #: The courier's charge for one delivery to a site, on top of the distance.
    courier_cost_per_delivery: float
    #: Handling a unit through the engineer's depot (booking in, shelf, hand-over).
    depot_handling_cost: float
    #: Cost per road km from the stock to the depot or the site.
    cost_per_km: float
    #: Hours from dispatch to arrival.
    courier_lead_hours: float
    depot_lead_hours: float
    #: When the engineer's working day starts at the depot (local hour): a depot unit must be there by then.
    engineer_day_start_hour: int
    detour_factor: float = 1.0


@dataclass(frozen=True)
class Leg:
    """One way of delivering: where from and to, by when, at what cost."""

    mode: DeliveryMode
    distance_km: float
    cost: float
    deadline: datetime
    dispatch_by: datetime


@dataclass(frozen=True)
class DeliveryPlan:
    mode: DeliveryMode
    deadline: datetime
    #: When it should leave: the latest moment that still arrives by the deadline, not before now.
    planned_at: datetime
    cost: float
    reason: str
    late: bool = False


def plan_delivery(rules: DeliveryRules, *, source: tuple[float, float], site: tuple[float, float],
                  depot: tuple[float, float] | None, window_start: datetime, now: datetime,
                  timezone: str, source_is_depot: bool = False, money=lambda amount: f"{amount:.2f}") -> DeliveryPlan:
    """Choose the mode for a unit at `source` needed at `site` from `window_start`.

    `depot` is the engineer's home depot (None: they have none, courier only);
    `source_is_depot`: the unit is already there and only waits to be collected.
    """
    legs = [_courier(rules, source, site, window_start)]
    if depot is not None:
        legs.append(_depot(rules, source, depot, window_start, timezone, source_is_depot))
    on_time = [leg for leg in legs if leg.dispatch_by >= now]
    if on_time:
        best = min(on_time, key=lambda leg: (leg.cost, leg.mode != DeliveryMode.DEPOT_COLLECTION))
        others = [leg for leg in legs if leg is not best]
        reason = f"{_name(best)}, {money(best.cost)}, arrives by {best.deadline:%Y-%m-%d %H:%M} UTC"
        if others:
            other = others[0]
            why = "too late" if other.dispatch_by < now else f"{money(other.cost)}"
            reason += f"; {_name(other).lower()}: {why}"
        return DeliveryPlan(best.mode, best.deadline, max(best.dispatch_by, now), best.cost, reason)
    best = max(legs, key=lambda leg: (leg.dispatch_by, -leg.cost))
    lateness_h = (now - best.dispatch_by).total_seconds() / 3600
    return DeliveryPlan(best.mode, best.deadline, now, best.cost,
                        f"{_name(best)}, dispatched at once: arrives about {lateness_h:.0f} h after "
                        f"{best.deadline:%Y-%m-%d %H:%M} UTC", late=True)


def _courier(rules: DeliveryRules, source, site, window_start: datetime) -> Leg:
    km = road_km(*source, *site, rules.detour_factor)
    cost = rules.courier_cost_per_delivery + km * rules.cost_per_km
    return Leg(DeliveryMode.COURIER_TO_SITE, km, cost, window_start,
               window_start - timedelta(hours=rules.courier_lead_hours))


def _depot(rules: DeliveryRules, source, depot, window_start: datetime, timezone: str, already_there: bool) -> Leg:
    zone = ZoneInfo(timezone)
    job_day = window_start.astimezone(zone).date()
    day_start = datetime.combine(job_day, time(rules.engineer_day_start_hour), zone).astimezone(window_start.tzinfo)
    deadline = min(day_start, window_start)
    if already_there:
        return Leg(DeliveryMode.DEPOT_COLLECTION, 0.0, rules.depot_handling_cost, deadline, deadline)
    km = road_km(*source, *depot, rules.detour_factor)
    cost = rules.depot_handling_cost + km * rules.cost_per_km
    return Leg(DeliveryMode.DEPOT_COLLECTION, km, cost, deadline, deadline - timedelta(hours=rules.depot_lead_hours))


def _name(leg: Leg) -> str:
    if leg.mode == DeliveryMode.COURIER_TO_SITE:
        return f"Courier to the site ({leg.distance_km:.0f} km)"
    if leg.distance_km == 0:
        return "Waits at the engineer's depot"
    return f"To the engineer's depot ({leg.distance_km:.0f} km) for collection"
