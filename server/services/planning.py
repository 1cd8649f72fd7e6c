"""Plans a day's courier rounds over the pickups that are due, and keeps customers told.

Pickups due that day (consolidation rules, server/logistics/consolidation.py)
become stops with the site's access hours as their time window; the route
planner (server/logistics/routing) chooses which optional ones are worth the
detour. The plan is stored, served pickups get a window and the customer an
invitation; pickups dropped from a re-plan go back to waiting and their
customer is told the visit is off.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import CustomerAnswer, HolderKind, PickupStatus, ReturnStatus
from server.database import begin_write
from server.logistics.consolidation import WaitingLine, pickup_due
from server.logistics.geo import road_km
from server.logistics.policy import Policy
from server.logistics.routing import (
    Depot,
    GreatCircleProvider,
    NoFeasiblePlanError,
    OsrmTableProvider,
    PickupStop,
    VehicleType,
    plan_routes,
)
from server.models import CourierPlan, CourierRoute, CourierStop, Facility, Pickup, ReturnLine, User, Vehicle
from server.models.types import utcnow
from server.runner.queue import enqueue
from server.services import notices
from server.services.errors import Invalid, NotFound
from server.services.settings import current_policy, setting

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SERVICE_MIN_PER_STOP = 10
SERVICE_MIN_PER_LINE = 2
#: A mandatory pickup the vans cannot fit is still planned if it can, with this prize.
MANDATORY_PRIZE = 100_000.0


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def access_window(access_hours: dict, day: date) -> tuple[int, int] | None:
    """The site's opening on `day`, in minutes from midnight (first to last opening), or None if closed."""
    periods = access_hours.get(WEEKDAYS[day.weekday()]) or []
    if not periods:
        return None
    opens = min(_minutes(time.fromisoformat(p[0])) for p in periods)
    closes = max(_minutes(time.fromisoformat(p[1])) for p in periods)
    return (opens, closes) if closes > opens else None


def distance_provider(policy: Policy):
    if setting("DISTANCE_PROVIDER") == "osrm":
        return OsrmTableProvider(setting("OSRM_URL"))
    return GreatCircleProvider(detour_factor=policy.transport.detour_factor, speed_kmh=setting("COURIER_SPEED_KMH"))


def _waiting_lines(pickup: Pickup, status: ReturnStatus) -> list[ReturnLine]:
    return [line for line in pickup.lines if line.status == status and line.holder_kind == HolderKind.SITE]


def _as_waiting(line: ReturnLine) -> WaitingLine:
    return WaitingLine(
        line_id=line.id, site_id=line.origin_site_id, value=float(line.expected_value or 0),
        volume_l=line.part.volume_l * line.quantity, weight_kg=line.part.weight_kg * line.quantity,
        waiting_since=line.removed_at.date(), deadline=line.deadline.date() if line.deadline else None,
    )


def plan_day(session: so.Session, day: date, by: User | None = None, seconds: float | None = None, *,
             policy: Policy | None = None) -> CourierPlan:
    """Plan (or re-plan) the courier rounds of `day`; one transaction."""
    policy = policy or current_policy()
    seconds = setting("PLANNER_SECONDS") if seconds is None else seconds
    begin_write(session)
    zone = ZoneInfo(setting("SITE_TIMEZONE"))
    vehicles = session.scalars(
        sa.select(Vehicle).where(Vehicle.active).options(so.joinedload(Vehicle.depot)).order_by(Vehicle.id)
    ).all()
    if not vehicles:
        raise Invalid("There are no active courier vehicles to plan with.", {"vehicles": ["Add a vehicle."]})

    candidates = session.scalars(
        sa.select(Pickup)
        .where(sa.or_(
            sa.and_(Pickup.status == PickupStatus.OPEN, sa.or_(Pickup.not_before.is_(None), Pickup.not_before <= day)),
            sa.and_(Pickup.status == PickupStatus.SCHEDULED, Pickup.planned_date == day),
        ))
        .options(so.selectinload(Pickup.lines).joinedload(ReturnLine.part), so.joinedload(Pickup.site))
        .order_by(Pickup.id)
    ).unique().all()
    stops, by_id = [], {}
    for pickup in candidates:
        stop = _stop_for(pickup, day, policy)
        if stop is not None:
            stops.append(stop)
            by_id[stop.id] = pickup

    depots = {v.depot_id: v.depot for v in vehicles}
    started = utcnow()
    result = _solve(depots, vehicles, stops, policy, seconds, day) if stops else None
    plan = CourierPlan(plan_date=day, created_by_id=by.id if by else None, pickups_due=len(stops),
                       solver_seconds=(utcnow() - started).total_seconds())
    for previous in session.scalars(sa.select(CourierPlan).where(CourierPlan.plan_date == day, CourierPlan.active)):
        previous.active = False
    session.add(plan)

    served: set[int] = set()
    if result is not None:
        plan.total_distance_km = round(result.total_distance_km, 2)
        plan.total_cost = round(result.total_cost, 2)
        plan.pickups_skipped = len(result.skipped)
        for route in result.routes:
            vehicle = vehicles[route.vehicle_type]
            record = CourierRoute(
                plan=plan, vehicle_id=vehicle.id, start_at=_at(day, route.start, zone), end_at=_at(day, route.end, zone),
                distance_km=round(route.distance_km, 2), duration_min=round(route.duration_min, 1),
                load_weight_kg=route.load_weight_kg, load_volume_l=route.load_volume_l, cost=round(route.cost, 2),
            )
            session.add(record)
            for sequence, stop in enumerate(route.stops, start=1):
                pickup = by_id[stop.pickup_id]
                session.add(CourierStop(
                    route=record, sequence=sequence, pickup=pickup, arrival_at=_at(day, stop.arrival, zone),
                    service_start_at=_at(day, stop.service_start, zone), departure_at=_at(day, stop.departure, zone),
                    load_weight_kg_after=stop.load_weight_kg_after, load_volume_l_after=stop.load_volume_l_after,
                ))
                _schedule(session, pickup, day, stop.service_start, zone)
                served.add(pickup.id)
    plan.naive_distance_km = round(_naive_km(by_id.values(), served, depots, policy), 2)
    for pickup in by_id.values():
        if pickup.id not in served and pickup.status == PickupStatus.SCHEDULED:
            unschedule(session, pickup, reason="The courier round for that day was re-planned without this visit.")
    session.commit()
    return plan


def _stop_for(pickup: Pickup, day: date, policy: Policy) -> PickupStop | None:
    window = access_window(pickup.site.access_hours or {}, day)
    if window is None:
        return None
    if pickup.status == PickupStatus.SCHEDULED:
        lines = [line for line in pickup.lines if line.status == ReturnStatus.PICKUP_SCHEDULED]
        mandatory, prize = True, MANDATORY_PRIZE
    else:
        lines = _waiting_lines(pickup, ReturnStatus.AWAITING_PICKUP)
        if not lines:
            return None
        decision = pickup_due([_as_waiting(line) for line in lines], day, policy)
        asked_for_today = pickup.not_before == day and pickup.customer_answer != CustomerAnswer.NOT_READY
        if not (decision.due or asked_for_today):
            return None
        mandatory, prize = decision.mandatory or asked_for_today, decision.prize
    service = SERVICE_MIN_PER_STOP + SERVICE_MIN_PER_LINE * len(lines)
    if window[1] - window[0] < service:
        return None
    return PickupStop(
        id=str(pickup.id), lat=pickup.site.latitude, lon=pickup.site.longitude,
        weight_kg=sum(line.part.weight_kg * line.quantity for line in lines),
        volume_l=sum(line.part.volume_l * line.quantity for line in lines), service_min=service,
        window_start=window[0], window_end=window[1], prize=prize, mandatory=mandatory,
    )


def _solve(depots: dict[int, Facility], vehicles, stops, policy: Policy, seconds: float, day: date):
    depot_list = [Depot(str(f.id), f.latitude, f.longitude) for f in depots.values()]
    types = [
        VehicleType(depot_id=str(v.depot_id), count=1, capacity_weight_kg=v.capacity_weight_kg,
                    capacity_volume_l=v.capacity_volume_l, shift_start=_minutes(v.shift_start),
                    shift_end=_minutes(v.shift_end), cost_per_km=v.cost_per_km, fixed_cost=v.fixed_cost)
        for v in vehicles
    ]
    provider = distance_provider(policy)
    try:
        return plan_routes(depot_list, types, stops, provider, seconds=seconds, seed=day.toordinal())
    except NoFeasiblePlanError:
        # Some mandatory pickups cannot fit: plan the rest, those still first in line.
        relaxed = [PickupStop(**{**s.__dict__, "mandatory": False,
                                 "prize": MANDATORY_PRIZE if s.mandatory else s.prize}) for s in stops]
        return plan_routes(depot_list, types, relaxed, provider, seconds=seconds, seed=day.toordinal())


def _at(day: date, minutes: float, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=round(minutes))


def _schedule(session: so.Session, pickup: Pickup, day: date, arrival_min: float, zone: ZoneInfo) -> None:
    """Give a served pickup its window (around the planned arrival) and tell the customer if it changed."""
    half = timedelta(minutes=setting("PICKUP_WINDOW_MINUTES") / 2)
    arrival = _at(day, 30 * round(arrival_min / 30), zone)
    opens, closes = access_window(pickup.site.access_hours or {}, day)
    start, end = max(arrival - half, _at(day, opens, zone)), min(arrival + half, _at(day, closes, zone))
    previous = (pickup.window_start, pickup.window_end) if pickup.status == PickupStatus.SCHEDULED else None
    if previous and previous[0] <= _at(day, arrival_min, zone) <= previous[1]:
        return  # still inside the window the customer was given
    now = utcnow()
    if pickup.status != PickupStatus.SCHEDULED:
        pickup.status = PickupStatus.SCHEDULED
        for line in _waiting_lines(pickup, ReturnStatus.AWAITING_PICKUP):
            line.move_to(ReturnStatus.PICKUP_SCHEDULED, now)
    else:
        pickup.calendar_sequence += 1
    pickup.planned_date, pickup.window_start, pickup.window_end = day, start, end
    pickup.customer_answer = None
    session.flush()
    notices.pickup_scheduled(session, pickup, previous_window=previous)


def unschedule(session: so.Session, pickup: Pickup, *, reason: str, not_before: date | None = None,
               tell_customer: bool = True) -> None:
    """Take a scheduled pickup off its day: its lines wait again; the customer's invitation is cancelled."""
    now = utcnow()
    window = (pickup.window_start, pickup.window_end)
    for line in pickup.lines:
        if line.status == ReturnStatus.PICKUP_SCHEDULED:
            line.move_to(ReturnStatus.AWAITING_PICKUP, now)
    pickup.status, pickup.planned_date = PickupStatus.OPEN, None
    pickup.not_before = not_before
    if tell_customer and window[0] is not None:
        pickup.calendar_sequence += 1
        session.flush()
        notices.pickup_cancelled(session, pickup, window, reason)
    pickup.window_start = pickup.window_end = None


def _naive_km(pickups, served: set[int], depots: dict[int, Facility], policy: Policy) -> float:
    """The baseline: one courier trip per line, from the nearest depot to the site and back."""
    factor, total = policy.transport.detour_factor, 0.0
    for pickup in pickups:
        if pickup.id not in served:
            continue
        site = pickup.site
        nearest = min(road_km(d.latitude, d.longitude, site.latitude, site.longitude, factor) for d in depots.values())
        lines = [line for line in pickup.lines if line.status == ReturnStatus.PICKUP_SCHEDULED]
        total += 2 * nearest * len(lines)
    return total


def move_pickup(session: so.Session, pickup_id: int, new_day: date, by: User) -> Pickup:
    """A dispatcher moves a pickup to another day: it is planned that day, mandatory."""
    begin_write(session)
    pickup = session.get(Pickup, pickup_id)
    if pickup is None:
        raise NotFound(f"No pickup {pickup_id}.")
    if pickup.status not in (PickupStatus.OPEN, PickupStatus.SCHEDULED):
        raise Invalid(f"The pickup is {pickup.status}.", {"status": [f"A {pickup.status} pickup cannot move."]})
    if new_day <= utcnow().astimezone(ZoneInfo(setting("SITE_TIMEZONE"))).date():
        raise Invalid("Choose a day after today.", {"new_day": ["Must be after today."]})
    old_day = pickup.planned_date
    if pickup.status == PickupStatus.SCHEDULED:
        unschedule(session, pickup, reason=f"{by.display_name} moved the visit to {new_day:%A %d %B}.", not_before=new_day)
        replan_later(session, old_day)
    pickup.not_before, pickup.customer_answer = new_day, None
    session.commit()
    return pickup


def replan_later(session: so.Session, day: date | None) -> None:
    """Re-plan `day` in the background, after this transaction commits."""
    if day is not None:
        enqueue(session, "plan_day", {"day": day.isoformat()})
