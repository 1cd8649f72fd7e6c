"""Facility receiving, the figures, and the notification outbox."""

import marshmallow as ma
import sqlalchemy as sa
from flask import g
from marshmallow import fields, validate

from common.enums import PartCondition
from server.api.fields import RECORD_ID, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate, where_equal
from server.api.returns import ReturnLineSchema
from server.api.security import STAFF, requires
from server.extensions import db
from server.models import Notification
from server.services.returns import figures, receiving
from server.services.notifications import outbox
from server.services.errors import NotFound
from server.services.returns.period import period_errors

blp = Blueprint("operations", __name__, url_prefix="/api/v1", description="Receiving, figures, notifications")


class ReceiveSchema(ma.Schema):
    facility_id = record_id(strict=True, required=True)
    return_line_id = fields.UUID(load_default=None)
    serial = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    condition = fields.Enum(PartCondition, by_value=True, load_default=None,
                            metadata={"description": "The condition found on arrival"})

    @ma.validates_schema
    def _something_scanned(self, data, **kwargs):
        if data.get("return_line_id") is None and not data.get("serial"):
            raise ma.ValidationError("Scan a serial or a return line id.", "serial")


class FiguresQuery(ma.Schema):
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)

    @ma.validates_schema
    def _a_period_within_reach(self, data, **kwargs):
        errors = period_errors(data.get("since"), data.get("until"))
        if errors:
            raise ma.ValidationError(errors)


class FiguresSchema(ma.Schema):
    lines_removed = fields.Integer()
    lines_received = fields.Integer()
    recovery_rate = fields.Float(allow_none=True)
    value_recovered = fields.Float()
    value_expected = fields.Float()
    value_expected_open = fields.Float()
    cycle_time_median_days = fields.Float(allow_none=True)
    cycle_time_p90_days = fields.Float(allow_none=True)
    open_by_age = fields.Dict(keys=fields.String(), values=fields.Integer())
    courier_km_planned = fields.Float()
    courier_km_naive = fields.Float()
    co2_kg_planned = fields.Float()
    co2_kg_naive = fields.Float()
    co2e_avoided_kg = fields.Float(metadata={"description": "kg CO2e the decided dispositions avoid."})
    co2e_avoided_kg_per_line = fields.Float(allow_none=True)
    lines_by_hierarchy = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Decided lines by level: reuse, refurbish, return to vendor, recycle, dispose."})
    installs = fields.Integer()
    installs_circular = fields.Integer()
    circularity_rate = fields.Float(allow_none=True, metadata={
        "description": "Share of installed units that were refurbished or reused."})


class BenchQueueFigureSchema(ma.Schema):
    facility_id = fields.Integer()
    facility = fields.String()
    queue_length = fields.Integer()
    hours_queued = fields.Float()
    oldest_days = fields.Float(allow_none=True)
    mean_age_days = fields.Float(allow_none=True)


class BenchDaySchema(ma.Schema):
    day = fields.String()
    facility_id = fields.Integer()
    facility = fields.String()
    capacity_hours = fields.Float()
    hours_used = fields.Float()


class PartYieldSchema(ma.Schema):
    part_number = fields.String()
    refurbished = fields.Integer()
    failed = fields.Integer()
    yield_ = fields.Float(data_key="yield", attribute="yield")


class BenchFiguresSchema(ma.Schema):
    queues = fields.List(fields.Nested(BenchQueueFigureSchema))
    hours_by_day = fields.List(fields.Nested(BenchDaySchema))
    yield_by_part = fields.List(fields.Nested(PartYieldSchema))


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    channel = fields.String()
    kind = fields.String()
    recipient = fields.String()
    subject = fields.String()
    pickup_id = record_id(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)


class NotificationQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(["pending", "sending", "sent", "failed"]))
    kind = fields.String()
    pickup_id = record_id()


@blp.route("/facility/receive", methods=["POST"])
@requires(*STAFF)
@blp.arguments(ReceiveSchema)
@blp.response(200, ReturnLineSchema)
def receive(data):
    """A facility scans an arriving item (serial or return line id): it is received."""
    return receiving.receive_item(db.session, data["facility_id"], by=g.user, return_line_id=data["return_line_id"],
                                  serial=data["serial"], condition=data["condition"])


@blp.route("/figures", methods=["GET"])
@requires(*STAFF)
@blp.arguments(FiguresQuery, location="query")
@blp.response(200, FiguresSchema)
def get_figures(args):
    """Recovery rate, value, cycle time, open lines by age, courier km and CO2, for lines removed in the period."""
    return figures.compute_figures(db.session, args["since"], args["until"])


@blp.route("/figures/bench", methods=["GET"])
@requires(*STAFF)
@blp.arguments(FiguresQuery, location="query")
@blp.response(200, BenchFiguresSchema)
def get_bench_figures(args):
    """Refurbishment queues per facility now, bench hours used per day, and yield per part number, for the period."""
    return figures.bench_figures(db.session, args["since"], args["until"])


@blp.route("/notifications", methods=["GET"])
@requires(*STAFF)
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, page_of(NotificationSchema))
def list_notifications(args):
    """The outbox: every email and webhook with its delivery status."""
    query = sa.select(Notification).order_by(Notification.id.desc())
    query = where_equal(query, Notification, args, ("status", "kind", "pickup_id"))
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route(f"/notifications/<{RECORD_ID}:notification_id>/resend", methods=["POST"])
@requires(*STAFF)
@blp.response(200, NotificationSchema)
def resend(notification_id: int):
    if db.session.get(Notification, notification_id) is None:
        raise NotFound(f"No notification {notification_id}.")
    return outbox.resend(db.session, notification_id)
