"""Replacement reservations, shortages and deliveries, for dispatchers and tools."""

import marshmallow as ma
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g
from marshmallow import fields

from common.enums import DeliveryMode, DeliveryStatus, ReservationStatus, StockGrade
from server.api.fields import RECORD_ID, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate, where_equal
from server.api.security import STAFF, requires
from server.extensions import db
from server.models import Delivery, Job, Reservation
from server.services.errors import NotFound
from server.services.stock import deliveries, reservations

blp = Blueprint("deliveries", __name__, url_prefix="/api/v1",
                description="Replacement units reserved for jobs, shortages and their deliveries")


class ReservationSchema(ma.Schema):
    id = fields.Integer()
    job_id = record_id()
    job_reference = fields.Function(lambda r: r.job.reference)
    expected_index = fields.Integer(metadata={"description": "Index into the job's expected_parts."})
    part_number = fields.Function(lambda r: r.part.part_number)
    quantity = fields.Integer()
    status = fields.Enum(ReservationStatus, by_value=True)
    location = fields.Function(lambda r: r.location.code if r.location else None, allow_none=True)
    grade = fields.Enum(StockGrade, by_value=True, allow_none=True)
    reason = fields.String()
    needed_by = fields.AwareDateTime(metadata={"description": "The start of the job's window."})
    site_id = fields.Function(lambda r: r.job.site_id)
    site = fields.Function(lambda r: r.job.site.name)


ReservationPage = page_of(ReservationSchema)


class ReservationQuery(PageQuery):
    status = fields.Enum(ReservationStatus, by_value=True)
    job_id = record_id()


class DeliverySchema(ma.Schema):
    id = fields.Integer()
    reservation_id = record_id()
    job_reference = fields.Function(lambda d: d.reservation.job.reference)
    part_number = fields.Function(lambda d: d.part.part_number)
    quantity = fields.Integer()
    grade = fields.Enum(StockGrade, by_value=True)
    mode = fields.Enum(DeliveryMode, by_value=True)
    status = fields.Enum(DeliveryStatus, by_value=True)
    from_location = fields.Function(lambda d: d.from_location.code)
    to_location = fields.Function(lambda d: d.to_location.code)
    site_id = record_id(allow_none=True)
    engineer_id = record_id(allow_none=True)
    deadline = fields.AwareDateTime(metadata={"description": "Latest arrival."})
    planned_date = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When it should leave: the latest moment that still arrives by the deadline."})
    reason = fields.String()
    dispatched_at = fields.AwareDateTime(allow_none=True)
    arrived_at = fields.AwareDateTime(allow_none=True)


class DeliveryQuery(PageQuery):
    status = fields.Enum(DeliveryStatus, by_value=True)
    mode = fields.Enum(DeliveryMode, by_value=True)
    engineer_id = record_id()
    site_id = record_id()


class RetrySchema(ma.Schema):
    met = fields.Integer(metadata={"description": "Shortages now held."})


_RESERVATION_LOADS = (so.joinedload(Reservation.job).joinedload(Job.site), so.joinedload(Reservation.part),
                      so.joinedload(Reservation.location))


@blp.route("/reservations", methods=["GET"])
@requires(*STAFF)
@blp.arguments(ReservationQuery, location="query")
@blp.response(200, ReservationPage)
def list_reservations(args):
    query = sa.select(Reservation).options(*_RESERVATION_LOADS).order_by(Reservation.id.desc())
    return paginate(db.session, where_equal(query, Reservation, args, ("status", "job_id")),
                    args["page"], args["page_size"])


@blp.route("/shortages", methods=["GET"])
@requires(*STAFF)
@blp.arguments(PageQuery, location="query")
@blp.response(200, ReservationPage)
def list_shortages(args):
    """Replacement units nothing could be set aside for, the earliest job first."""
    query = (sa.select(Reservation).options(*_RESERVATION_LOADS)
             .where(Reservation.status == ReservationStatus.SHORT).order_by(Reservation.needed_by, Reservation.id))
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route("/shortages/retry", methods=["POST"])
@requires(*STAFF)
@blp.response(200, RetrySchema)
def retry_shortages():
    """Try every shortage again now (this also runs hourly): stock that has arrived is held for them."""
    return {"met": reservations.retry_shortages_now(db.session)}


@blp.route("/deliveries", methods=["GET"])
@requires(*STAFF)
@blp.arguments(DeliveryQuery, location="query")
@blp.response(200, page_of(DeliverySchema))
def list_deliveries(args):
    query = sa.select(Delivery).options(
        so.joinedload(Delivery.reservation).joinedload(Reservation.job), so.joinedload(Delivery.part),
        so.joinedload(Delivery.from_location), so.joinedload(Delivery.to_location),
    ).order_by(Delivery.deadline, Delivery.id)
    query = where_equal(query, Delivery, args, ("status", "mode", "engineer_id", "site_id"))
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route(f"/deliveries/<{RECORD_ID}:delivery_id>", methods=["GET"])
@requires(*STAFF)
@blp.response(200, DeliverySchema)
def get_delivery(delivery_id: int):
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id}.")
    return delivery


@blp.route(f"/deliveries/<{RECORD_ID}:delivery_id>/dispatched", methods=["POST"])
@requires(*STAFF)
@blp.response(200, DeliverySchema)
def dispatched(delivery_id: int):
    """The units have left their facility."""
    return deliveries.record_dispatched(db.session, delivery_id, g.user)


@blp.route(f"/deliveries/<{RECORD_ID}:delivery_id>/at-depot", methods=["POST"])
@requires(*STAFF)
@blp.response(200, DeliverySchema)
def at_depot(delivery_id: int):
    """The units have reached the engineer's depot (recorded in its stock), waiting to be collected."""
    return deliveries.record_at_depot(db.session, delivery_id, g.user)


@blp.route(f"/deliveries/<{RECORD_ID}:delivery_id>/delivered", methods=["POST"])
@requires(*STAFF)
@blp.response(200, DeliverySchema)
def delivered(delivery_id: int):
    """Delivered to the site, or collected from the depot by the engineer (into their van)."""
    return deliveries.record_delivered(db.session, delivery_id, g.user)
