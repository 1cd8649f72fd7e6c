"""Runs the logistics engine on return lines and stores what it decides.

Translates database records into the engine's dataclasses (server/logistics),
asks for a disposition, a destination and a travel mode, and applies the
answer: the line's fields, a disposition record, its status, and its place in
the site's pickup when a courier collects it.

Where an item physically is decides how it can travel. It stays with the
engineer unless the phone tells them to leave it: an item too large or
hazardous to carry was left at the site; one decided while the job is still
open may be left for the courier (it moves into the site's custody when the
job is completed); one decided after the engineer left the site is in the van
and is carried back.
"""

import uuid
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Disposition, HolderKind, JobStatus, PickupStatus, ReturnStatus, TravelMode
from server.logistics import disposition as engine
from server.logistics.destination import FacilityOption
from server.logistics.policy import Policy
from server.logistics.stock import StockNeed
from server.logistics.travel import EngineerDay, carry_back_refusal, decide_travel
from server.models import (
    CustodyEntry,
    DispositionRecord,
    Facility,
    Job,
    PartNumber,
    Pickup,
    ReturnLine,
    User,
)
from server.models.types import utcnow
from server.services.stock.need import stock_needs

#: Statuses in which the engine (or a dispatcher) may still change a line's disposition.
UNDECIDED_OR_WAITING = (ReturnStatus.AWAITING_DISPOSITION, ReturnStatus.AWAITING_PICKUP, ReturnStatus.WITH_ENGINEER)


def part_of(part: PartNumber, needs: tuple[StockNeed, ...] = ()) -> engine.Part:
    return engine.Part(
        part_number=part.part_number, category=part.category, new_price=float(part.new_price),
        refurbishment_cost=float(part.refurbishment_cost), refurbishment_yield=part.refurbishment_yield,
        residual_value=float(part.residual_value), weight_kg=part.weight_kg, volume_l=part.volume_l,
        hazardous=part.hazardous, vendor_warranty_days=part.vendor_warranty_days,
        stock_needs=needs,
        embodied_co2e_kg=part.embodied_co2e_kg, material_recovery_share=part.material_recovery_share,
    )


def engine_line(line: ReturnLine, needs: tuple[StockNeed, ...] = ()) -> engine.ReturnLine:
    """The engine's view of a line; `needs` (server/services/stock/need.py) where its value matters."""
    item = line.serialised_item
    installed_on = item.installed_on if item is not None else None
    removed_on = line.removed_at.date()
    return engine.ReturnLine(
        line_id=line.id, part=part_of(line.part, needs), condition=line.condition,
        failure_code=line.failure_code, site_id=line.origin_site_id, site_lat=line.origin_site.latitude,
        site_lon=line.origin_site.longitude, removed_on=removed_on,
        installed_on=installed_on if installed_on is None or installed_on <= removed_on else None,
        quantity=line.quantity,
    )


def facility_options(session: so.Session, day: date) -> dict[int, FacilityOption]:
    """Every facility, with the capacity it has left for lines decided on `day`."""
    start = datetime.combine(day, time(0), tzinfo=utcnow().tzinfo)
    taken = Counter(dict(session.execute(
        sa.select(ReturnLine.destination_facility_id, sa.func.coalesce(sa.func.sum(ReturnLine.quantity), 0))
        .where(ReturnLine.decided_at >= start, ReturnLine.decided_at < start + timedelta(days=1))
        .group_by(ReturnLine.destination_facility_id)
    ).all()))
    return {
        f.id: FacilityOption(
            facility_id=f.id, name=f.name, kind=f.kind, capabilities=frozenset(f.capabilities),
            lat=f.latitude, lon=f.longitude, remaining_capacity_units=max(0, f.daily_capacity_items - taken[f.id]),
            processing_costs=f.processing_costs, fed_by_id=f.fed_by_id,
        )
        for f in session.scalars(sa.select(Facility).order_by(Facility.id))
    }


def engineer_day(user: User, facilities: dict[int, FacilityOption]) -> EngineerDay | None:
    home = facilities.get(user.home_facility_id) if user.home_facility_id else None
    if home is None:
        return None
    return EngineerDay(home.lat, home.lon, frozenset({home.facility_id}))


def decide_return_lines(session: so.Session, line_ids: list[str], policy: Policy) -> int:
    """Decide the lines that still wait for a disposition. A task: does not commit."""
    ids = [uuid.UUID(str(i)) for i in line_ids]
    lines = session.scalars(
        sa.select(ReturnLine)
        .where(ReturnLine.id.in_(ids), ReturnLine.status == ReturnStatus.AWAITING_DISPOSITION)
        .options(so.joinedload(ReturnLine.part), so.joinedload(ReturnLine.origin_site),
                 so.joinedload(ReturnLine.serialised_item))
        .order_by(ReturnLine.created_at, ReturnLine.id)
    ).unique().all()
    if not lines:
        return 0
    # The jobs and engineers the travel decisions read, in two queries: the
    # look-ups per line then come from the session and never flush it.
    loaded = _load_jobs_and_engineers(session, lines)
    now = utcnow()
    facilities = facility_options(session, now.date())
    needs = stock_needs(session, {line.part_number_id for line in lines})
    for line in lines:
        item = engine_line(line, needs.get(line.part_number_id, ()))
        decision = engine.decide_disposition(item, list(facilities.values()), policy)
        apply_decision(session, line, decision, facilities, policy, now)
        if decision.facility is not None:
            _use_capacity(facilities, decision.facility, line.quantity)
    del loaded  # kept until here: the session's identity map holds objects weakly
    return len(lines)


def _load_jobs_and_engineers(session: so.Session, lines: list[ReturnLine]) -> list[Job | User]:
    job_ids = {line.job_id for line in lines if line.job_id is not None}
    engineer_ids = {line.holder_id for line in lines if line.holder_kind == HolderKind.ENGINEER}
    jobs = session.scalars(sa.select(Job).where(Job.id.in_(job_ids))).all() if job_ids else []
    engineers = session.scalars(sa.select(User).where(User.id.in_(engineer_ids))).all() if engineer_ids else []
    return [*jobs, *engineers]


def _use_capacity(facilities: dict[int, FacilityOption], chosen: FacilityOption, quantity: int) -> None:
    left = facilities[chosen.facility_id].remaining_capacity_units - quantity
    facilities[chosen.facility_id] = replace(facilities[chosen.facility_id], remaining_capacity_units=max(0, left))


def apply_decision(
    session: so.Session, line: ReturnLine, decision: engine.DispositionDecision,
    facilities: dict[int, FacilityOption], policy: Policy, now: datetime, by: User | None = None,
    comment: str | None = None,
) -> None:
    """Store a disposition decision on the line and set it travelling."""
    destination = decision.facility or decision.hold_at
    mode, travel_reason = _travel(session, line, destination, facilities, policy)
    _store_decision(session, line, decision, destination, f"{decision.reason} {travel_reason}", mode, now, by, comment)
    _set_travelling(session, line, mode, policy, now)


def decide_after_failed_refurbishment(session: so.Session, line: ReturnLine, facility: Facility, failure: str,
                                      policy: Policy, now: datetime, by: User | None) -> None:
    """Decide again a received line the bench could not refurbish; runs in the caller's transaction.

    Refurbishment and reuse are ruled out; the item is at `facility`, so
    transport is priced from there. The line stays received where it is; the
    reason starts with the failure.
    """
    facilities = facility_options(session, now.date())
    at_facility = replace(engine_line(line), site_lat=facility.latitude, site_lon=facility.longitude)
    decision = engine.decide_disposition(at_facility, list(facilities.values()), policy,
                                         ruled_out=frozenset({Disposition.REFURBISH, Disposition.REUSE}))
    destination = decision.facility or decision.hold_at or facilities[facility.id]
    reason = f"Refurbishment failed at {facility.name} ({failure}); decided again. {decision.reason}"
    _store_decision(session, line, decision, destination, reason, line.travel_mode, now, by, None)


def _store_decision(session, line: ReturnLine, decision: engine.DispositionDecision, destination, reason: str,
                    mode: TravelMode | None, now: datetime, by: User | None, comment: str | None) -> None:
    line.disposition = decision.disposition
    line.destination_facility_id = destination.facility_id if destination else None
    line.expected_value = None if decision.expected_value is None else Decimal(f"{decision.expected_value:.2f}")
    line.co2e_avoided_kg = None if decision.on_hold else decision.co2e_avoided_kg
    line.deadline = (datetime.combine(decision.deadline, time(23, 59), tzinfo=now.tzinfo)
                     if decision.deadline else None)
    line.alternatives = [
        {"disposition": a.disposition.value, "facility_id": a.facility.facility_id if a.facility else None,
         "facility": a.facility.name if a.facility else None, "expected_value": a.expected_value, "note": a.note}
        for a in decision.alternatives
    ]
    line.decided_at = now
    line.travel_mode = mode
    line.disposition_reason = reason
    session.add(DispositionRecord(
        return_line_id=line.id, disposition=line.disposition, destination_facility_id=line.destination_facility_id,
        travel_mode=mode, expected_value=line.expected_value, reason=line.disposition_reason,
        decided_by_id=by.id if by else None, comment=comment, at=now,
    ))


def _travel(session, line: ReturnLine, destination, facilities, policy) -> tuple[TravelMode, str]:
    item = engine_line(line)
    if line.holder_kind != HolderKind.ENGINEER:
        return TravelMode.COURIER_PICKUP, "Courier pickup: the item is at the site."
    job = session.get(Job, line.job_id) if line.job_id else None
    refusal = carry_back_refusal(item, policy)
    if refusal is None and (job is None or job.status != JobStatus.OPEN):
        return TravelMode.CARRY_BACK, "Carry back: the engineer had left the site, so it is in their van."
    engineer = session.get(User, line.holder_id)
    travel = decide_travel(item, destination, engineer_day(engineer, facilities), policy, list(facilities.values()))
    return travel.mode, travel.reason


def _set_travelling(session: so.Session, line: ReturnLine, mode: TravelMode, policy: Policy, now: datetime) -> None:
    if mode == TravelMode.CARRY_BACK:
        if line.status != ReturnStatus.WITH_ENGINEER:
            line.move_to(ReturnStatus.WITH_ENGINEER, now)
        line.pickup = None
        return
    if line.status != ReturnStatus.AWAITING_PICKUP:
        line.move_to(ReturnStatus.AWAITING_PICKUP, now)
    if line.holder_kind == HolderKind.ENGINEER and carry_back_refusal(engine_line(line), policy):
        leave_at_site(session, line, now, "Too large or hazardous to carry: left at the site for a courier")
    attach_to_pickup(session, line)


def attach_to_pickup(session: so.Session, line: ReturnLine) -> Pickup:
    """Put the line in its site's open pickup, opening one if there is none."""
    pickup = session.scalar(
        sa.select(Pickup).where(Pickup.site_id == line.origin_site_id, Pickup.status == PickupStatus.OPEN)
        .order_by(Pickup.id).limit(1)
    )
    if pickup is None:
        pickup = Pickup(site_id=line.origin_site_id, status=PickupStatus.OPEN)
        session.add(pickup)
    line.pickup = pickup
    return pickup


def leave_at_site(session: so.Session, line: ReturnLine, at: datetime, note: str) -> None:
    """The engineer left the item at its site: the site has it now."""
    line.holder_kind, line.holder_id = HolderKind.SITE, line.origin_site_id
    item = line.serialised_item
    if item is not None:
        item.location_kind, item.location_id = HolderKind.SITE, line.origin_site_id
    site = line.origin_site
    session.add(CustodyEntry(
        return_line=line, serialised_item=item, holder_kind=HolderKind.SITE, holder_id=line.origin_site_id,
        place=f"{site.name}, {site.address}", at=at, note=note,
    ))
