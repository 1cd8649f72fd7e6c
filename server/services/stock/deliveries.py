"""Reserved units on their way to the engineer: planned when a unit is held away from their van, moved by facts.

The mode (depot collection or courier to the site) is the pure rule
server/logistics/delivery_mode.py. The facts a dispatcher records — dispatched,
at the depot, delivered — move the delivery's status, and arriving moves the
stock in the ledger (a DELIVERY movement) and the reservation with it.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import DeliveryMode, DeliveryStatus, MovementKind, StockLocationKind
from server.database import begin_write
from server.logistics.delivery_mode import plan_delivery
from server.logistics.states import delivery_transition
from server.models import Delivery, Facility, Reservation, StockLocation, User
from server.models.types import utcnow
from server.services.errors import Conflict, NotFound
from server.services.settings import current_policy, setting
from server.services.stock import ledger

OPEN_STATUSES = (DeliveryStatus.PLANNED, DeliveryStatus.DISPATCHED, DeliveryStatus.AT_DEPOT)


def plan_for_reservation(session: so.Session, reservation: Reservation) -> Delivery:
    """The delivery of a unit held at a facility for a job; runs in the caller's transaction."""
    job = reservation.job
    engineer = session.get(User, job.engineer_id)
    source = session.get(Facility, session.get(StockLocation, reservation.location_id).ref_id)
    depot = session.get(Facility, engineer.home_facility_id) if engineer.home_facility_id else None
    policy, now = current_policy(), utcnow()
    plan = plan_delivery(
        policy.deliveries, source=(source.latitude, source.longitude),
        site=(job.site.latitude, job.site.longitude),
        depot=(depot.latitude, depot.longitude) if depot else None,
        window_start=job.window_start, now=now, timezone=setting("SITE_TIMEZONE"),
        source_is_depot=depot is not None and depot.id == source.id, money=policy.money,
    )
    if plan.mode == DeliveryMode.DEPOT_COLLECTION:
        target = ledger.location_for(session, StockLocationKind.FACILITY, depot.id)
    else:
        target = ledger.location_for(session, StockLocationKind.SITE, job.site_id)
    waiting = target.id == reservation.location_id
    delivery = Delivery(
        reservation_id=reservation.id, part_number_id=reservation.part_number_id, quantity=reservation.quantity,
        grade=reservation.grade, mode=plan.mode,
        status=DeliveryStatus.AT_DEPOT if waiting else DeliveryStatus.PLANNED,
        from_location_id=reservation.location_id, to_location_id=target.id, site_id=job.site_id,
        engineer_id=engineer.id, deadline=plan.deadline, planned_date=plan.planned_at, reason=plan.reason,
        arrived_at=now if waiting else None,
    )
    session.add(delivery)
    session.flush()
    return delivery


def cancel_for_reservation(session: so.Session, reservation: Reservation) -> None:
    """Cancel the reservation's delivery that has not arrived; runs in the caller's transaction."""
    for delivery in session.scalars(sa.select(Delivery).where(
            Delivery.reservation_id == reservation.id, Delivery.status.in_(OPEN_STATUSES))):
        delivery.status = delivery_transition(delivery.status, DeliveryStatus.CANCELLED)


def record_dispatched(session: so.Session, delivery_id: int, by: User) -> Delivery:
    """The units have left their facility."""
    begin_write(session)
    delivery = _delivery(session, delivery_id)
    if delivery.status != DeliveryStatus.DISPATCHED:
        delivery.status = delivery_transition(delivery.status, DeliveryStatus.DISPATCHED)
        delivery.dispatched_at = utcnow()
    session.commit()
    return delivery


def record_at_depot(session: so.Session, delivery_id: int, by: User) -> Delivery:
    """The units have reached the engineer's depot: they are in its stock, still held for the job."""
    begin_write(session)
    delivery = _delivery(session, delivery_id)
    if delivery.status != DeliveryStatus.AT_DEPOT:
        if delivery.mode != DeliveryMode.DEPOT_COLLECTION:
            raise Conflict(f"Delivery {delivery.id} goes by courier to the site, not through a depot.")
        _arrive_at_depot(session, delivery, by)
    session.commit()
    return delivery


def record_delivered(session: so.Session, delivery_id: int, by: User) -> Delivery:
    """Delivered to the site, or collected from the depot by the engineer (into their van)."""
    begin_write(session)
    delivery = _delivery(session, delivery_id)
    if delivery.status != DeliveryStatus.DELIVERED:
        delivery_transition(delivery.status, DeliveryStatus.DELIVERED)
        reservation = delivery.reservation
        if delivery.mode == DeliveryMode.DEPOT_COLLECTION:
            if delivery.status != DeliveryStatus.AT_DEPOT:
                _arrive_at_depot(session, delivery, by)
            target = ledger.location_for(session, StockLocationKind.VAN, delivery.engineer_id)
            _move(session, delivery, "collected", reservation.location_id, target, by)
        else:
            target = ledger.location_for(session, StockLocationKind.SITE, delivery.site_id)
            _move(session, delivery, "delivered", reservation.location_id, target, by)
            delivery.arrived_at = utcnow()
        delivery.status = DeliveryStatus.DELIVERED
    session.commit()
    return delivery


def _arrive_at_depot(session: so.Session, delivery: Delivery, by: User) -> None:
    delivery.status = delivery_transition(delivery.status, DeliveryStatus.AT_DEPOT)
    delivery.arrived_at = utcnow()
    if delivery.reservation.location_id != delivery.to_location_id:
        _move(session, delivery, "at_depot", delivery.reservation.location_id, delivery.to_location, by)


def _move(session: so.Session, delivery: Delivery, fact: str, from_location_id: int, target, by: User) -> None:
    """Move the held units in the ledger, and the reservation with them."""
    reservation = delivery.reservation
    source = session.get(StockLocation, from_location_id)
    ledger.record_movement(
        session, MovementKind.DELIVERY, f"delivery:{delivery.id}:{fact}", part_number_id=delivery.part_number_id,
        quantity=delivery.quantity, source=(source, delivery.grade), target=(target, delivery.grade),
        reservation_id=reservation.id, delivery_id=delivery.id, recorded_by_id=by.id,
    )
    reservation.location_id = target.id


def _delivery(session: so.Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id}.")
    return delivery
