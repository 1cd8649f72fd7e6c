"""The stock side of a simulated day: replacements delivered, benches at work, and what the loop measures.

Called by server/demo/simulation.py; every step goes through the services a
dispatcher or a facility would use.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import (
    DeliveryMode, DeliveryStatus, ProcessingOutcome, ReservationStatus, ReturnStatus, StockGrade, StockLocationKind,
)
from server.models import Delivery, Facility, PartNumber, Reservation, ReturnLine, User
from server.services.returns import receiving
from server.services.stock import adjustments, bench, deliveries, ledger

#: Weekdays from ordering new units for a shortage to their arrival at the depot.
PURCHASE_LEAD_DAYS = 2

#: What the bench notes on a failed refurbishment.
FAILED_BENCH_TEST = "Failed the bench test after repair"


def deliver_due(session: so.Session, until: datetime, by: User) -> int:
    """Dispatch and hand over every delivery due by `until`; return how many arrived.

    A depot delivery reaches the depot and the engineer collects it there
    before the first job; a courier delivery reaches the site.
    """
    session.rollback()
    due = session.scalars(sa.select(Delivery.id).where(
        Delivery.status.in_([DeliveryStatus.PLANNED, DeliveryStatus.DISPATCHED, DeliveryStatus.AT_DEPOT]),
        Delivery.deadline <= until).order_by(Delivery.deadline, Delivery.id)).all()
    for delivery_id in due:
        delivery = session.get(Delivery, delivery_id)
        if delivery.status == DeliveryStatus.PLANNED:
            deliveries.record_dispatched(session, delivery_id, by)
        if delivery.mode == DeliveryMode.DEPOT_COLLECTION and delivery.status != DeliveryStatus.AT_DEPOT:
            deliveries.record_at_depot(session, delivery_id, by)
        deliveries.record_delivered(session, delivery_id, by)
    return len(due)


@dataclass
class BenchDay:
    refurbished: int = 0
    failed: int = 0


def run_benches(session: so.Session, day: date, rng: random.Random) -> BenchDay:
    """Each facility's bench takes what fits its hours today, in queue order; yield decides pass or fail."""
    done = BenchDay()
    session.rollback()
    benches = session.scalars(sa.select(Facility.id).where(Facility.bench_hours_per_weekday > 0)
                              .order_by(Facility.id)).all()
    for facility_id in benches:
        for line in bench.fitting_today(session, facility_id, day):
            hours = line.part.refurbishment_hours * line.quantity
            if rng.random() < line.part.refurbishment_yield:
                step = receiving.Processing(ProcessingOutcome.REFURBISHED, hours=hours)
                done.refurbished += line.quantity
            else:
                step = receiving.Processing(ProcessingOutcome.REFURBISH_FAILED, hours=hours, notes=FAILED_BENCH_TEST)
                done.failed += line.quantity
            receiving.record_outcome(session, line.id, step, None)
    return done


def stock_by_grade(session: so.Session) -> dict[str, int]:
    """Units in the ledger by grade, over every location."""
    totals = Counter({grade.value: 0 for grade in StockGrade})
    for row in ledger.balances(session):
        totals[row.grade.value] += row.quantity
    return dict(totals)


def queue_length(session: so.Session) -> int:
    return sum(len(queue.rows) for queue in bench.all_queues(session))


def recovery_of_settled_lines(session: so.Session, first_day: date, until: datetime, settle_days: int = 7
                              ) -> tuple[int, int]:
    """(received, removed) of the lines removed from `first_day` to `settle_days` before `until`.

    A line removed in the last days may still be on its way; the recovery rate
    that measures the loop counts only those that had the time to come back.
    """
    removed = session.execute(sa.select(ReturnLine.received_at, ReturnLine.status).where(
        ReturnLine.removed_at >= datetime.combine(first_day, datetime.min.time(), tzinfo=until.tzinfo),
        ReturnLine.removed_at <= until - timedelta(days=settle_days),
        ReturnLine.status != ReturnStatus.UNCONFIRMED)).all()
    return sum(r.received_at is not None for r in removed), len(removed)


def short_now(session: so.Session) -> int:
    """Replacement units that nothing could serve yet."""
    return session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Reservation.quantity), 0))
                          .where(Reservation.status == ReservationStatus.SHORT))


@dataclass
class Purchasing:
    """New units ordered for shortages, arriving at `depot_code` some weekdays later."""

    depot_code: str
    #: (arrival day, part number, units)
    on_order: list[tuple[date, str, int]] = field(default_factory=list)
    units_bought: int = 0

    def order_for_shortages(self, session: so.Session, arrival: date) -> None:
        """Order what the open shortages lack beyond what is already on order."""
        session.rollback()
        short = Counter(dict(session.execute(
            sa.select(PartNumber.part_number, sa.func.sum(Reservation.quantity))
            .join(PartNumber, Reservation.part_number_id == PartNumber.id)
            .where(Reservation.status == ReservationStatus.SHORT).group_by(PartNumber.part_number)).all()))
        ordered = Counter()
        for _, part_number, units in self.on_order:
            ordered[part_number] += units
        for part_number, units in sorted((short - ordered).items()):
            self.on_order.append((arrival, part_number, units))

    def receive_due(self, session: so.Session, day: date, by: User) -> None:
        """What arrives today goes into the depot's new stock."""
        due = [order for order in self.on_order if order[0] <= day]
        self.on_order = [order for order in self.on_order if order[0] > day]
        for _, part_number, units in due:
            depot = ledger.location_code(StockLocationKind.FACILITY, self.depot_code)
            adjustments.supply(session, adjustments.Supply(
                part_number=part_number, quantity=units, facility=depot, reason="Bought in for a shortage"), by)
            self.units_bought += units
