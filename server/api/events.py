"""Field events and devices for dispatchers: what arrived, what was rejected, what is missing."""

import marshmallow as ma
import sqlalchemy as sa
from flask import g
from marshmallow import fields

from common.enums import EventOutcome, Role
from server.api.fields import RECORD_ID, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate, where_equal
from server.api.security import STAFF, requires
from server.extensions import db
from server.models import Device, FieldEvent
from server.services.accounts import auth
from server.sync.sequence import seq_tracker

blp = Blueprint("events", __name__, url_prefix="/api/v1", description="Field events and devices")


class FieldEventSchema(ma.Schema):
    id = fields.UUID()
    device_id = record_id()
    user_id = record_id()
    seq = fields.Integer()
    type = fields.String()
    occurred_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime()
    job_id = record_id(allow_none=True)
    status = fields.Enum(EventOutcome, by_value=True)
    errors = fields.Dict(allow_none=True)
    flags = fields.List(fields.String())
    device_clock_offset_s = fields.Integer(allow_none=True)
    return_line_id = fields.UUID(allow_none=True)
    body = fields.Dict()


class EventQuery(PageQuery):
    status = fields.Enum(EventOutcome, by_value=True)
    type = fields.String()
    user_id = record_id()
    device_id = record_id()
    job_id = record_id()
    flagged = fields.Boolean(metadata={"description": "Only events with flags"})


class DeviceSchema(ma.Schema):
    id = fields.Integer()
    device_uid = fields.String()
    user_id = record_id()
    label = fields.String(allow_none=True)
    registered_at = fields.AwareDateTime()
    last_seen_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    highest_contiguous_seq = fields.Integer()
    highest_seq_seen = fields.Integer()
    missing_seqs = fields.Function(
        lambda d: seq_tracker(d).missing_seqs(),
        metadata={"description": "Entries the device numbered but the server never received"},
    )
    gap_since = fields.AwareDateTime(allow_none=True)
    reported_seq = fields.Integer(
        allow_none=True, metadata={"description": "The highest seq the device said it had numbered, at its last sign-in"}
    )
    reported_at = fields.AwareDateTime(allow_none=True)
    waiting_count = fields.Function(
        lambda d: seq_tracker(d).waiting_on_device(d.reported_seq),
        metadata={"description": "Entries known to be waiting on the device: the missing seqs, and those it "
                                 "reported above the highest seq seen (a lower bound)"},
    )


class DeviceQuery(PageQuery):
    with_gaps = fields.Boolean(metadata={"description": "Only devices with missing entries"})
    user_id = record_id()


@blp.route("/events", methods=["GET"])
@requires(*STAFF)
@blp.arguments(EventQuery, location="query")
@blp.response(200, page_of(FieldEventSchema))
def list_events(args):
    """Field events in order of receipt, newest first."""
    query = sa.select(FieldEvent).order_by(FieldEvent.received_at.desc(), FieldEvent.seq.desc())
    query = where_equal(query, FieldEvent, args, ("status", "type", "user_id", "device_id", "job_id"))
    if args.get("flagged"):
        query = query.where(sa.cast(FieldEvent.flags, sa.String) != "[]")
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route("/devices", methods=["GET"])
@requires(*STAFF)
@blp.arguments(DeviceQuery, location="query")
@blp.response(200, page_of(DeviceSchema))
def list_devices(args):
    """Devices, with the entries each one numbered but never delivered."""
    query = sa.select(Device).order_by(Device.id)
    if args.get("with_gaps"):
        query = query.where(Device.highest_contiguous_seq < Device.highest_seq_seen)
    if "user_id" in args:
        query = query.where(Device.user_id == args["user_id"])
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route(f"/devices/<{RECORD_ID}:device_id>/revoke", methods=["POST"])
@requires(*STAFF)
@blp.response(200, DeviceSchema)
def revoke_device(device_id: int):
    """End every token of a lost or retired device and refuse it new ones (an admin's device: admins only)."""
    return auth.revoke_device(db.session, device_id, g.user)


@blp.route(f"/devices/<{RECORD_ID}:device_id>/enable", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(200, DeviceSchema)
def enable_device(device_id: int):
    """Let a revoked device sign in again; its waiting entries then sync with their own seqs."""
    return auth.enable_device(db.session, device_id)
