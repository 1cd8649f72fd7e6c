"""Plans a day's courier rounds over the pickups that are due, and keeps customers told.

Pickups due that day (consolidation rules, server/logistics/consolidation.py)
become stops with the site's access hours as their time window; the route
planner (server/logistics/routing) chooses which optional ones are worth the
detour. The plan is stored, served pickups get a window and the customer an
invitation; pickups dropped from a re-plan go back to waiting and their
customer is told the visit is off.

The search runs outside any transaction, so the field keeps syncing while it
runs: what the plan needs is read first, and the plan is written in a short
transaction that leaves alone every pickup changed in the meantime. A day the
customer or a dispatcher asked for (``Pickup.requested_date``) is planned that
day; when it cannot be, they are told why and which day it will be. On a day
under way the stops already collected or reached are kept as they were.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import CustomerAnswer, HolderKind, PickupStatus, ReturnStatus
from server.database import begin_write
from server.logistics.consolidation import WaitingLine, pickup_due
from server.logistics.geo import road_km
from server.logistics.plan_days import access_window, day_label, last_plannable_day, next_open_day
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
from server.models import CourierPlan, CourierRoute, CourierStop, Pickup, ReturnLine, User, Vehicle
from server.models.types import utcnow
from server.services.planning import day_under_way, plan_runs
from server.services.notifications import notices
from server.services.errors import ServiceError
from server.services.settings import current_policy, setting, site_today

SERVICE_MIN_PER_STOP = 10
SERVICE_MIN_PER_LINE = 2
#: A mandatory pickup the vans cannot fit is still planned if it can, with this prize.
MANDATORY_PRIZE = 100_000.0


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


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


def _fingerprint(pickup: Pickup) -> tuple:
    """What the plan decided a pickup's stop from; a pickup whose fingerprint changed meanwhile is left alone."""
    refused = pickup.customer_answer in (CustomerAnswer.NOT_READY, CustomerAnswer.ANOTHER_DAY)
    return (pickup.status, pickup.planned_date, pickup.requested_date, pickup.not_before, refused)


@dataclass
class _Snapshot:
    """What one search is planned from, as plain values: nothing of it needs the database during the search."""

    vehicle_ids: list[int] = field(default_factory=list)
    types: list[VehicleType] = field(default_factory=list)
    depots: dict[int, tuple[float, float]] = field(default_factory=dict)
    stops: list[PickupStop] = field(default_factory=list)
    fingerprints: dict[int, tuple] = field(default_factory=dict)
    kept_pickup_ids: set[int] = field(default_factory=set)


def plan_day(session: so.Session, day: date, by: User | None = None, seconds: float | None = None, *,
             policy: Policy | None = None, run_id: int | None = None) -> CourierPlan | None:
    """Plan (or re-plan) the courier rounds of `day`; owns its transactions, none of them open during the search.

    With `run_id` it carries out that queued run (the background task);
    without, it plans at once, refused while another run of the day is in
    flight. Returns the plan, or None when the run was not this call's to do.
    """
    policy = policy or current_policy()
    seconds = setting("PLANNER_SECONDS") if seconds is None else seconds
    today, by_id = site_today(), by.id if by else None
    if run_id is None:
        plan_runs.check_plannable(session, day, today, setting("PLAN_HORIZON_DAYS"))
    run_id = plan_runs.claim(session, day, by, seconds, run_id, lease_s=setting("TASK_LEASE_SECONDS"))
    if run_id is None:
        return None
    try:
        plan_runs.check_plannable(session, day, today, setting("PLAN_HORIZON_DAYS"))
        while True:
            snapshot = _load(session, day, policy, today)
            started = utcnow()
            result = _solve(snapshot, policy, seconds, day) if snapshot.stops and snapshot.types else None
            plan, refused = _write(session, day, by_id, snapshot, result, policy,
                                   (utcnow() - started).total_seconds())
            again = plan_runs.finish(session, run_id, plan, "\n".join(refused) or None)
            session.commit()
            if not again:
                return plan
    except ServiceError as err:
        plan_runs.fail(session, run_id, err.message)
        raise
    except Exception:
        plan_runs.fail(session, run_id, "The planner failed; the server log has the details.")
        raise


def _candidates(session: so.Session, day: date, today: date) -> list[Pickup]:
    not_asked_for = sa.or_(Pickup.requested_date.is_(None), Pickup.requested_date < today)
    return session.scalars(
        sa.select(Pickup)
        .where(sa.or_(
            sa.and_(Pickup.status == PickupStatus.OPEN, not_asked_for,
                    sa.or_(Pickup.not_before.is_(None), Pickup.not_before <= day)),
            sa.and_(Pickup.status == PickupStatus.OPEN, Pickup.requested_date == day),
            sa.and_(Pickup.status == PickupStatus.SCHEDULED, Pickup.planned_date == day),
        ))
        .options(so.selectinload(Pickup.lines).joinedload(ReturnLine.part), so.joinedload(Pickup.site))
        .order_by(Pickup.id)
    ).unique().all()


def _load(session: so.Session, day: date, policy: Policy, today: date) -> _Snapshot:
    """Read what the plan needs in one short read transaction."""
    session.commit()
    zone = ZoneInfo(setting("SITE_TIMEZONE"))
    snapshot = _Snapshot()
    vehicles = session.scalars(
        sa.select(Vehicle).where(Vehicle.active).options(so.joinedload(Vehicle.depot)).order_by(Vehicle.id)
    ).all()
    started = day_under_way.started_stops(session, day)
    snapshot.kept_pickup_ids = {s.pickup_id for s in started}
    free_from = day_under_way.free_from(day, started, vehicles, distance_provider(policy), zone)
    for vehicle in vehicles:
        snapshot.depots[vehicle.depot_id] = (vehicle.depot.latitude, vehicle.depot.longitude)
        start = max(_minutes(vehicle.shift_start), free_from.get(vehicle.id, 0))
        if start >= _minutes(vehicle.shift_end):
            continue  # this van has no time left today
        snapshot.vehicle_ids.append(vehicle.id)
        snapshot.types.append(VehicleType(
            depot_id=str(vehicle.depot_id), count=1, capacity_weight_kg=vehicle.capacity_weight_kg,
            capacity_volume_l=vehicle.capacity_volume_l, shift_start=start, shift_end=_minutes(vehicle.shift_end),
            cost_per_km=vehicle.cost_per_km, fixed_cost=vehicle.fixed_cost))
    for pickup in _candidates(session, day, today):
        if pickup.id in snapshot.kept_pickup_ids:
            continue
        snapshot.fingerprints[pickup.id] = _fingerprint(pickup)
        stop = _stop_for(pickup, day, policy)
        if stop is not None and any(_fits(stop, t) for t in snapshot.types):  # else no van has room for it
            snapshot.stops.append(stop)
    session.commit()
    return snapshot


def _fits(stop: PickupStop, vehicle_type: VehicleType) -> bool:
    return stop.weight_kg <= vehicle_type.capacity_weight_kg and stop.volume_l <= vehicle_type.capacity_volume_l


def _stop_for(pickup: Pickup, day: date, policy: Policy) -> PickupStop | None:
    window = access_window(pickup.site.access_hours or {}, day)
    if window is None:
        return None
    asked_for_today = pickup.requested_date == day
    if pickup.status == PickupStatus.SCHEDULED:
        lines = [line for line in pickup.lines if line.status == ReturnStatus.PICKUP_SCHEDULED]
        mandatory, prize = True, MANDATORY_PRIZE
    else:
        lines = _waiting_lines(pickup, ReturnStatus.AWAITING_PICKUP)
        if not lines:
            return None
        decision = pickup_due([_as_waiting(line) for line in lines], day, policy)
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


def _solve(snapshot: _Snapshot, policy: Policy, seconds: float, day: date):
    depot_list = [Depot(str(depot_id), lat, lon) for depot_id, (lat, lon) in snapshot.depots.items()]
    stops, provider = snapshot.stops, distance_provider(policy)
    # The searches run in child processes: the server's threads (pushes, pages) keep the interpreter.
    options = {"seconds": seconds, "seed": day.toordinal(), "in_child_processes": True}
    try:
        return plan_routes(depot_list, snapshot.types, stops, provider, **options)
    except NoFeasiblePlanError:
        # Some mandatory pickups cannot fit: plan the rest, those still first in line.
        relaxed = [replace(s, mandatory=False, prize=MANDATORY_PRIZE if s.mandatory else s.prize) for s in stops]
        return plan_routes(depot_list, snapshot.types, relaxed, provider, **options)


def _write(session: so.Session, day: date, by_id: int | None, snapshot: _Snapshot, result, policy: Policy,
           solver_seconds: float) -> tuple[CourierPlan, list[str]]:
    """Store the plan in one short write transaction, skipping every pickup that changed during the search.

    Returns the plan and, for the dispatcher, what became of the requested days that could not be kept.
    """
    begin_write(session)
    zone = ZoneInfo(setting("SITE_TIMEZONE"))
    pickups = {p.id: p for p in session.scalars(
        sa.select(Pickup).where(Pickup.id.in_(list(snapshot.fingerprints)))
        .options(so.selectinload(Pickup.lines).joinedload(ReturnLine.part), so.joinedload(Pickup.site))
    ).unique()}
    current = {pid: p for pid, p in pickups.items() if _fingerprint(p) == snapshot.fingerprints[pid]}
    kept = day_under_way.started_stops(session, day)
    kept_ids = {s.pickup_id for s in kept}
    plan = CourierPlan(plan_date=day, created_by_id=by_id, pickups_due=len(snapshot.stops) + len(kept),
                       solver_seconds=solver_seconds)
    for previous in session.scalars(sa.select(CourierPlan).where(CourierPlan.plan_date == day, CourierPlan.active)):
        previous.active = False
    session.add(plan)
    day_under_way.keep(session, plan, kept)

    served: set[int] = set()
    if result is not None:
        plan.pickups_skipped = len(result.skipped)
        for route in result.routes:
            stops = [s for s in route.stops if int(s.pickup_id) in current and int(s.pickup_id) not in kept_ids]
            if not stops:
                continue
            record = CourierRoute(
                plan=plan, vehicle_id=snapshot.vehicle_ids[route.vehicle_type], start_at=_at(day, route.start, zone),
                end_at=_at(day, route.end, zone), distance_km=round(route.distance_km, 2),
                duration_min=round(route.duration_min, 1), load_weight_kg=route.load_weight_kg,
                load_volume_l=route.load_volume_l, cost=round(route.cost, 2),
            )
            session.add(record)
            for sequence, stop in enumerate(stops, start=1):
                pickup = current[int(stop.pickup_id)]
                session.add(CourierStop(
                    route=record, sequence=sequence, pickup=pickup, arrival_at=_at(day, stop.arrival, zone),
                    service_start_at=_at(day, stop.service_start, zone), departure_at=_at(day, stop.departure, zone),
                    load_weight_kg_after=stop.load_weight_kg_after, load_volume_l_after=stop.load_volume_l_after,
                ))
                _schedule(session, pickup, day, stop.service_start, zone)
                served.add(pickup.id)
    session.flush()
    plan.total_distance_km = round(sum(r.distance_km for r in plan.routes), 2)
    plan.total_cost = round(sum(r.cost for r in plan.routes), 2)
    plan.naive_distance_km = round(_naive_km([current[i] for i in served], snapshot.depots, policy), 2)
    refused = []
    for pickup in current.values():
        if pickup.id in served or pickup.id in kept_ids:
            continue
        waiting = any(line.status in (ReturnStatus.AWAITING_PICKUP, ReturnStatus.PICKUP_SCHEDULED)
                      for line in pickup.lines)
        if pickup.requested_date == day and waiting:
            refused.append(_requested_day_refused(session, pickup, day))
        elif pickup.status == PickupStatus.SCHEDULED:
            unschedule(session, pickup, reason="The courier round for that day was re-planned without this visit.")
    return plan, refused


def _requested_day_refused(session: so.Session, pickup: Pickup, day: date) -> str:
    """The day asked for cannot be kept: move the request to the site's next open day and say so."""
    today = site_today()
    closed = access_window(pickup.site.access_hours or {}, day) is None
    why = "the site is closed that day" if closed else "no van has room that day"
    next_day = next_open_day(pickup.site.access_hours or {}, day,
                             last_plannable_day(today, setting("PLAN_HORIZON_DAYS")))
    if pickup.status == PickupStatus.SCHEDULED:
        unschedule(session, pickup, reason=None)  # the notice below says why, and the day it will be
    pickup.requested_date = pickup.not_before = next_day
    session.flush()
    notices.requested_day_refused(session, pickup, day_label(day, today), why,
                                  day_label(next_day, today) if next_day else None)
    if next_day is not None and has_plan(session, next_day):
        plan_runs.queue_plan(session, next_day)
    then = f"it moves to {day_label(next_day, today)}" if next_day else "it waits for the next plan"
    return f"{pickup.reference} cannot be collected on {day_label(day, today)} as asked: {why}; {then}."


def has_plan(session: so.Session, day: date) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(CourierPlan)
                          .where(CourierPlan.plan_date == day, CourierPlan.active.is_(True))) > 0


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


def unschedule(session: so.Session, pickup: Pickup, *, reason: str | None, not_before: date | None = None) -> None:
    """Take a scheduled pickup off its day: its lines wait again. Runs in the caller's transaction.

    The customer's invitation is cancelled, saying `reason`; with no reason
    the customer is not told, and the next invitation (the same calendar
    event, a later revision) replaces it.
    """
    now = utcnow()
    window = (pickup.window_start, pickup.window_end)
    for line in pickup.lines:
        if line.status == ReturnStatus.PICKUP_SCHEDULED:
            line.move_to(ReturnStatus.AWAITING_PICKUP, now)
    pickup.status, pickup.planned_date = PickupStatus.OPEN, None
    pickup.not_before = not_before
    if window[0] is not None:
        pickup.calendar_sequence += 1
        if reason is not None:
            session.flush()
            notices.pickup_cancelled(session, pickup, window, reason)
    pickup.window_start = pickup.window_end = None


def _naive_km(pickups: list[Pickup], depots: dict[int, tuple[float, float]], policy: Policy) -> float:
    """The baseline: one courier trip per line, from the nearest depot to the site and back."""
    factor, total = policy.transport.detour_factor, 0.0
    for pickup in pickups:
        site = pickup.site
        nearest = min(road_km(lat, lon, site.latitude, site.longitude, factor) for lat, lon in depots.values())
        lines = [line for line in pickup.lines if line.status == ReturnStatus.PICKUP_SCHEDULED]
        total += 2 * nearest * len(lines)
    return total


def replan_later(session: so.Session, day: date | None) -> None:
    """Re-plan `day` in the background, after this transaction commits; joins the caller's transaction."""
    if day is not None and day >= site_today():
        plan_runs.queue_plan(session, day)
