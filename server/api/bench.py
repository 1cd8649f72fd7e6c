"""The refurbishment queue of a facility, for dispatchers and the facility screens."""

import marshmallow as ma
from marshmallow import fields

from server.api.fields import RECORD_ID
from server.api.json_body import Blueprint
from server.api.security import STAFF, requires
from server.extensions import db
from server.services.returns.period import period_errors
from server.services.stock import bench

blp = Blueprint("bench", __name__, url_prefix="/api/v1/facilities", description="Refurbishment queues")


class QueueQuery(ma.Schema):
    day = fields.Date(load_default=None, metadata={"description": "The day whose bench hours count; today by default."})

    @ma.validates_schema
    def _a_day_within_reach(self, data, **kwargs):
        errors = period_errors(data.get("day"), None, since_name="day")
        if errors:
            raise ma.ValidationError(errors)


class QueueRowSchema(ma.Schema):
    return_line_id = fields.Function(lambda row: str(row.line.id))
    serial = fields.Function(lambda row: row.line.serial, allow_none=True)
    part_number = fields.Function(lambda row: row.line.part.part_number)
    description = fields.Function(lambda row: row.line.part.description)
    quantity = fields.Function(lambda row: row.line.quantity)
    received_at = fields.Function(lambda row: row.line.received_at.isoformat())
    age_days = fields.Float()
    needed = fields.Function(lambda row: row.entry.needed, metadata={
        "description": "Its part is under the facility's stock target after the expected yield of the units ahead."})
    shortfall = fields.Function(lambda row: row.entry.shortfall)
    ready_stock = fields.Function(lambda row: row.entry.item.ready_stock)
    target = fields.Function(lambda row: row.entry.item.target)
    hours = fields.Function(lambda row: row.entry.item.hours)
    refurbishment_yield = fields.Function(lambda row: row.entry.item.refurbishment_yield)
    fits_today = fields.Boolean()


class BenchQueueSchema(ma.Schema):
    facility_id = fields.Function(lambda q: q.facility.id)
    facility = fields.Function(lambda q: q.facility.name)
    day = fields.Date()
    capacity_hours = fields.Float()
    hours_used = fields.Float()
    hours_left = fields.Float()
    hours_queued = fields.Float()
    items = fields.List(fields.Nested(QueueRowSchema), attribute="rows")


@blp.route(f"/<{RECORD_ID}:facility_id>/queue", methods=["GET"])
@requires(*STAFF)
@blp.arguments(QueueQuery, location="query")
@blp.response(200, BenchQueueSchema)
def queue(args, facility_id: int):
    """A facility's refurbishment queue in working order (needed first, then oldest) and what fits the day's hours."""
    return bench.facility_queue(db.session, facility_id, args["day"])
