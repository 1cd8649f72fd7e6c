"""Courier pickups at sites, the vans that make them, and the planned rounds."""

from datetime import date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import CustomerAnswer, PickupStatus
from server.extensions import db
from server.models.types import UtcDateTime, enum_type, utcnow


class Pickup(db.Model):
    """Every line waiting at one site for a courier, collected in one visit."""

    __tablename__ = "pickups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    site_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sites.id"), index=True)
    status: so.Mapped[PickupStatus] = so.mapped_column(enum_type(PickupStatus), default=PickupStatus.OPEN, index=True)
    #: The customer asked not to be visited before this day.
    not_before: so.Mapped[date | None]
    #: The day the customer or a dispatcher asked for: planned that day, never taken back by another day's plan.
    requested_date: so.Mapped[date | None]
    planned_date: so.Mapped[date | None]
    window_start: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    window_end: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    customer_answer: so.Mapped[CustomerAnswer | None] = so.mapped_column(enum_type(CustomerAnswer))
    customer_answered_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: Bumped with every calendar invitation sent for it (iCalendar SEQUENCE).
    calendar_sequence: so.Mapped[int] = so.mapped_column(default=0)
    reminded_for: so.Mapped[date | None]
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    collected_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)

    site = so.relationship("Site")
    lines = so.relationship("ReturnLine", back_populates="pickup", order_by="ReturnLine.created_at")

    @property
    def reference(self) -> str:
        return pickup_reference(self.id)


def pickup_reference(pickup_id: int) -> str:
    """"P-000012": how a pickup is named to people, and on the labels of the items waiting for it."""
    return f"P-{pickup_id:06d}"


class Vehicle(db.Model):
    """A courier van based at a depot."""

    __tablename__ = "vehicles"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    depot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("facilities.id"))
    capacity_weight_kg: so.Mapped[float]
    capacity_volume_l: so.Mapped[float]
    shift_start: so.Mapped[time] = so.mapped_column(default=time(8, 0))
    shift_end: so.Mapped[time] = so.mapped_column(default=time(17, 0))
    cost_per_km: so.Mapped[float] = so.mapped_column(default=0.6)
    fixed_cost: so.Mapped[float] = so.mapped_column(default=40.0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    depot = so.relationship("Facility")


class CourierPlan(db.Model):
    """The courier rounds of one day; re-planning supersedes the previous plan."""

    __tablename__ = "courier_plans"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_date: so.Mapped[date] = so.mapped_column(index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    total_distance_km: so.Mapped[float] = so.mapped_column(default=0.0)
    #: One courier trip per line from its site to its destination and back: the baseline.
    naive_distance_km: so.Mapped[float] = so.mapped_column(default=0.0)
    total_cost: so.Mapped[float] = so.mapped_column(default=0.0)
    pickups_due: so.Mapped[int] = so.mapped_column(default=0)
    pickups_skipped: so.Mapped[int] = so.mapped_column(default=0)
    solver_seconds: so.Mapped[float] = so.mapped_column(default=0.0)

    routes = so.relationship("CourierRoute", back_populates="plan", order_by="CourierRoute.id")


class PlanRun(db.Model):
    """One request to plan a day, from queued to done; at most one per day is in flight."""

    __tablename__ = "plan_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_date: so.Mapped[date] = so.mapped_column(index=True)
    #: The plan's day while the run is queued or running, else None: the unique key of "in flight".
    in_flight_date: so.Mapped[date | None] = so.mapped_column(unique=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    #: Something changed while the run was searching: it plans the day again before it ends.
    again: so.Mapped[bool] = so.mapped_column(default=False)
    seconds: so.Mapped[float | None]
    requested_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("courier_plans.id"))
    #: What the dispatcher is told: the error, or the pickups that could not have their requested day.
    message: so.Mapped[str | None] = so.mapped_column(sa.Text)

    plan = so.relationship(CourierPlan)


class CourierRoute(db.Model):
    __tablename__ = "courier_routes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courier_plans.id"), index=True)
    vehicle_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("vehicles.id"))
    start_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    end_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    distance_km: so.Mapped[float]
    duration_min: so.Mapped[float]
    load_weight_kg: so.Mapped[float]
    load_volume_l: so.Mapped[float]
    cost: so.Mapped[float]

    plan = so.relationship(CourierPlan, back_populates="routes")
    vehicle = so.relationship(Vehicle)
    stops = so.relationship("CourierStop", back_populates="route", order_by="CourierStop.sequence")


class CourierStop(db.Model):
    __tablename__ = "courier_stops"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    route_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courier_routes.id"), index=True)
    sequence: so.Mapped[int]
    pickup_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pickups.id"), index=True)
    arrival_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    service_start_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    departure_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    load_weight_kg_after: so.Mapped[float]
    load_volume_l_after: so.Mapped[float]

    route = so.relationship(CourierRoute, back_populates="stops")
    pickup = so.relationship(Pickup)
