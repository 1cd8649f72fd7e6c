"""Courier pickups and the day's plan, for dispatchers and tools."""

from datetime import date

import marshmallow as ma
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, url_for
from marshmallow import fields

from common.enums import CustomerAnswer, PickupStatus
from server.api.fields import RECORD_ID, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate, where_equal
from server.api.returns import ReturnLineSchema
from server.api.security import STAFF, requires
from server.extensions import db
from server.models import CourierPlan, CourierRoute, Pickup, ReturnLine
from server.services.planning import pickup_days, plan_runs
from server.services.returns import receiving
from server.services.errors import NotFound

blp = Blueprint("pickups", __name__, url_prefix="/api/v1", description="Courier pickups and route plans")


class PickupSchema(ma.Schema):
    id = fields.Integer()
    reference = fields.String()
    site_id = record_id()
    status = fields.Enum(PickupStatus, by_value=True)
    not_before = fields.Date(allow_none=True)
    requested_date = fields.Date(allow_none=True, metadata={
        "description": "The day the customer or a dispatcher asked for; the pickup is planned that day."})
    planned_date = fields.Date(allow_none=True)
    window_start = fields.AwareDateTime(allow_none=True)
    window_end = fields.AwareDateTime(allow_none=True)
    customer_answer = fields.Enum(CustomerAnswer, by_value=True, allow_none=True)
    customer_answered_at = fields.AwareDateTime(allow_none=True)
    collected_at = fields.AwareDateTime(allow_none=True)


class PickupDetailSchema(PickupSchema):
    lines = fields.List(fields.Nested(ReturnLineSchema))


class PickupQuery(PageQuery):
    status = fields.Enum(PickupStatus, by_value=True)
    planned_date = fields.Date()
    site_id = record_id()


class MoveSchema(ma.Schema):
    day = fields.Date(required=True)


class StopSchema(ma.Schema):
    sequence = fields.Integer()
    pickup_id = record_id()
    arrival_at = fields.AwareDateTime()
    service_start_at = fields.AwareDateTime()
    departure_at = fields.AwareDateTime()
    load_weight_kg_after = fields.Float()
    load_volume_l_after = fields.Float()


class RouteSchema(ma.Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    vehicle = fields.Function(lambda r: r.vehicle.name)
    start_at = fields.AwareDateTime()
    end_at = fields.AwareDateTime()
    distance_km = fields.Float()
    duration_min = fields.Float()
    load_weight_kg = fields.Float()
    load_volume_l = fields.Float()
    stops = fields.List(fields.Nested(StopSchema))


class PlanSchema(ma.Schema):
    id = fields.Integer()
    plan_date = fields.Date()
    created_at = fields.AwareDateTime()
    total_distance_km = fields.Float()
    naive_distance_km = fields.Float()
    total_cost = fields.Float()
    pickups_due = fields.Integer()
    pickups_skipped = fields.Integer()
    solver_seconds = fields.Float()
    routes = fields.List(fields.Nested(RouteSchema))


class PlanRunSchema(ma.Schema):
    """One request to plan a day, carried out in the background."""

    id = fields.Integer()
    plan_date = fields.Date()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    requested_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    plan_id = fields.Integer(allow_none=True, metadata={"description": "The plan written, once done."})
    message = fields.String(allow_none=True, metadata={
        "description": "Why it failed, or the requested days it could not keep."})
    status_url = fields.Function(lambda run: url_for("pickups.get_plan_run", run_id=run.id))


class PlanRequestSchema(ma.Schema):
    date = fields.Date(required=True)
    seconds = fields.Float(load_default=None, validate=ma.validate.Range(min=0.5, max=120))


@blp.route("/pickups", methods=["GET"])
@requires(*STAFF)
@blp.arguments(PickupQuery, location="query")
@blp.response(200, page_of(PickupSchema))
def list_pickups(args):
    query = sa.select(Pickup).order_by(Pickup.id.desc())
    query = where_equal(query, Pickup, args, ("status", "planned_date", "site_id"))
    return paginate(db.session, query, args["page"], args["page_size"])


def _pickup(pickup_id: int) -> Pickup:
    pickup = db.session.get(Pickup, pickup_id, options=[
        so.selectinload(Pickup.lines).joinedload(ReturnLine.part)])
    if pickup is None:
        raise NotFound(f"No pickup {pickup_id}.")
    return pickup


@blp.route(f"/pickups/<{RECORD_ID}:pickup_id>", methods=["GET"])
@requires(*STAFF)
@blp.response(200, PickupDetailSchema)
def get_pickup(pickup_id: int):
    return _pickup(pickup_id)


@blp.route(f"/pickups/<{RECORD_ID}:pickup_id>/collected", methods=["POST"])
@requires(*STAFF)
@blp.response(200, PickupDetailSchema)
def collected(pickup_id: int):
    """The courier has collected the pickup: its lines are in transit; the customer is told."""
    return receiving.collect_pickup(db.session, pickup_id, g.user)


@blp.route(f"/pickups/<{RECORD_ID}:pickup_id>/move", methods=["POST"])
@requires(*STAFF)
@blp.arguments(MoveSchema)
@blp.response(200, PickupSchema)
def move(data, pickup_id: int):
    """Move a pickup to another day; it is planned that day and the customer's invitation is updated."""
    return pickup_days.move_pickup(db.session, pickup_id, data["day"])


def _active_plan(day: date) -> CourierPlan | None:
    return db.session.scalar(
        sa.select(CourierPlan).where(CourierPlan.plan_date == day, CourierPlan.active)
        .options(so.selectinload(CourierPlan.routes).selectinload(CourierRoute.stops),
                 so.selectinload(CourierPlan.routes).joinedload(CourierRoute.vehicle))
    )


@blp.route("/plans/<date:day>", methods=["GET"])
@requires(*STAFF)
@blp.response(200, PlanSchema)
def get_plan(day: date):
    """The active courier plan of a day."""
    plan = _active_plan(day)
    if plan is None:
        raise NotFound(f"No plan for {day.isoformat()}.")
    return plan


@blp.route("/plans", methods=["POST"])
@requires(*STAFF)
@blp.arguments(PlanRequestSchema)
@blp.response(202, PlanRunSchema)
def make_plan(data):
    """Ask for a day's courier rounds to be (re-)planned; the search runs in the background.

    The answer is the run; follow its `status_url` (also the Location header)
    until it is done. A day already being planned answers with that run.
    """
    run = plan_runs.request_plan(db.session, data["date"], g.user, data["seconds"])
    return run, {"Location": url_for("pickups.get_plan_run", run_id=run.id)}


@blp.route(f"/plans/runs/<{RECORD_ID}:run_id>", methods=["GET"])
@requires(*STAFF)
@blp.response(200, PlanRunSchema)
def get_plan_run(run_id: int):
    """Where a request to plan a day stands: queued, running, done (with its plan) or failed."""
    return plan_runs.get_run(db.session, run_id)
