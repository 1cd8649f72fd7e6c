"""Return lines for dispatchers: list with filters, and one line with its custody timeline."""

import uuid
from decimal import Decimal

import marshmallow as ma
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g
from marshmallow import fields, validate

from common.enums import Disposition, HolderKind, ProcessingOutcome, ReturnStatus
from common.schemas import Text
from server.api.fields import money, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate
from server.api.security import STAFF, requires
from server.extensions import db
from server.models import PartNumber, Replacement, ReturnLine
from server.services.returns import chasing, overrides, receiving
from server.services.errors import NotFound

blp = Blueprint("returns", __name__, url_prefix="/api/v1/returns", description="Return lines")


class ReplacementSchema(ma.Schema):
    """The unit installed in the line's place (a swap logged whole)."""

    part_number = fields.Function(lambda r: r.part.part_number)
    serial = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    installed_at = fields.AwareDateTime()
    installed_by_id = fields.Integer()
    installed_by = fields.Function(lambda r: r.installed_by.display_name)
    install_event_id = fields.UUID()


class ReturnLineSchema(ma.Schema):
    id = fields.UUID()
    part_number = fields.Function(lambda line: line.part.part_number)
    description = fields.Function(lambda line: line.part.description)
    serial = fields.String(allow_none=True)
    quantity = fields.Integer()
    origin = fields.String()
    condition = fields.String()
    failure_code = fields.String(allow_none=True)
    origin_site_id = fields.Integer()
    job_id = record_id(allow_none=True)
    removed_by_id = fields.Integer()
    removed_at = fields.AwareDateTime()
    status = fields.Enum(ReturnStatus, by_value=True)
    status_changed_at = fields.AwareDateTime()
    holder_kind = fields.Enum(HolderKind, by_value=True)
    holder_id = fields.Integer(allow_none=True)
    disposition = fields.Enum(Disposition, by_value=True, allow_none=True)
    disposition_reason = fields.String(allow_none=True)
    expected_value = money(allow_none=True)
    disposition_overridden_by_id = fields.Integer(allow_none=True)
    override_comment = fields.String(allow_none=True)
    disposition_overridden_at = fields.AwareDateTime(allow_none=True)
    alternatives = fields.List(fields.Dict())
    pickup_id = record_id(allow_none=True)
    overdue_since = fields.AwareDateTime(allow_none=True)
    received_condition = fields.String(allow_none=True)
    destination_facility_id = fields.Integer(allow_none=True)
    travel_mode = fields.String(allow_none=True)
    deadline = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(allow_none=True)
    recovered_value = money(allow_none=True)
    replaced_by = fields.Nested(ReplacementSchema, allow_none=True,
                                metadata={"description": "The unit installed in this one's place, once known"})
    not_returned_reason = fields.String(allow_none=True,
                                        metadata={"description": "Unconfirmed: why the engineer did not bring it back"})
    escalation_step = fields.String(allow_none=True, metadata={"description": "The last chasing step taken"})
    written_off_value = money(allow_none=True)
    created_at = fields.AwareDateTime()


class CustodyEntrySchema(ma.Schema):
    holder_kind = fields.String()
    holder_id = fields.Integer(allow_none=True)
    place = fields.String()
    at = fields.AwareDateTime()
    event_id = fields.UUID(allow_none=True)
    note = fields.String(allow_none=True)


class ReturnLineDetailSchema(ReturnLineSchema):
    custody = fields.List(fields.Nested(CustodyEntrySchema))


class ReturnQuery(PageQuery):
    status = fields.Enum(ReturnStatus, by_value=True)
    disposition = fields.Enum(Disposition, by_value=True)
    site_id = record_id()
    engineer_id = record_id(metadata={"description": "Removed by this engineer"})
    holder_engineer_id = record_id(metadata={"description": "Held by this engineer now"})
    overdue = fields.Boolean(metadata={"description": "Only lines the chasing job flagged"})
    part_number = fields.String()
    serial = fields.String()


@blp.route("", methods=["GET"])
@requires(*STAFF)
@blp.arguments(ReturnQuery, location="query")
@blp.response(200, page_of(ReturnLineSchema))
def list_returns(args):
    """Return lines, newest first, filtered."""
    query = sa.select(ReturnLine).options(
        so.joinedload(ReturnLine.part), so.selectinload(ReturnLine.replaced_by).options(
            so.joinedload(Replacement.part), so.joinedload(Replacement.installed_by)),
    ).order_by(ReturnLine.created_at.desc(), ReturnLine.id)
    if "status" in args:
        query = query.where(ReturnLine.status == args["status"])
    if "disposition" in args:
        query = query.where(ReturnLine.disposition == args["disposition"])
    if "site_id" in args:
        query = query.where(ReturnLine.origin_site_id == args["site_id"])
    if "engineer_id" in args:
        query = query.where(ReturnLine.removed_by_id == args["engineer_id"])
    if "holder_engineer_id" in args:
        query = query.where(ReturnLine.holder_kind == HolderKind.ENGINEER, ReturnLine.holder_id == args["holder_engineer_id"])
    if "part_number" in args:
        query = query.join(PartNumber).where(PartNumber.part_number == args["part_number"])
    if "serial" in args:
        query = query.where(ReturnLine.serial == args["serial"])
    if args.get("overdue"):
        query = query.where(ReturnLine.overdue_since.is_not(None))
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route("/<uuid:line_id>", methods=["GET"])
@requires(*STAFF)
@blp.response(200, ReturnLineDetailSchema)
def get_return(line_id: uuid.UUID):
    """One return line with its custody timeline."""
    line = db.session.get(ReturnLine, line_id, options=[so.joinedload(ReturnLine.part)])
    if line is None:
        raise NotFound(f"No return line {line_id}.")
    return line


class OverrideSchema(ma.Schema):
    disposition = fields.Enum(Disposition, by_value=True, required=True)
    comment = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    facility_id = record_id(strict=True, allow_none=True, load_default=None)


class PartUsedSchema(ma.Schema):
    part_number = Text(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))


class OutcomeSchema(ma.Schema):
    """A processing record: what the bench did, what it took, and the evidence each outcome needs."""

    outcome = fields.Enum(ProcessingOutcome, by_value=True, required=True)
    recovered_value = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-10**6, 10**7))
    weight_kg = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=0, max=10**5))
    hours = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=0, max=1000))
    parts_used = fields.List(fields.Nested(PartUsedSchema), load_default=list, validate=validate.Length(max=50))
    notes = Text(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    certificate_number = Text(allow_none=True, load_default=None, validate=validate.Length(min=1, max=80))
    rma_number = Text(allow_none=True, load_default=None, validate=validate.Length(min=1, max=80))
    credit = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=0, max=10**7))


class ProcessingRecordSchema(ma.Schema):
    id = fields.Integer()
    return_line_id = fields.UUID()
    facility_id = fields.Integer()
    outcome = fields.Enum(ProcessingOutcome, by_value=True)
    hours = fields.Float(allow_none=True)
    parts_used = fields.List(fields.Nested(PartUsedSchema))
    notes = fields.String(allow_none=True)
    weight_kg = fields.Float(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    rma_number = fields.String(allow_none=True)
    credit = money(allow_none=True)
    recovered_value = money(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_by = fields.Function(lambda r: r.recorded_by.display_name if r.recorded_by else None, allow_none=True)
    at = fields.AwareDateTime()


@blp.route("/<uuid:line_id>/disposition", methods=["PUT"])
@requires(*STAFF)
@blp.arguments(OverrideSchema)
@blp.response(200, ReturnLineDetailSchema)
def override(data, line_id: uuid.UUID):
    """Override the engine's disposition (and destination); the comment and who made it are kept."""
    return overrides.override_disposition(db.session, line_id, data["disposition"], data["comment"], g.user,
                                          data["facility_id"])


@blp.route("/<uuid:line_id>/outcome", methods=["POST"])
@requires(*STAFF)
@blp.arguments(OutcomeSchema)
@blp.response(200, ReturnLineSchema)
def outcome(data, line_id: uuid.UUID):
    """Record what the facility did with a received item; a failed refurbishment is decided again."""
    amounts = {name: None if data[name] is None else Decimal(str(data[name])) for name in ("recovered_value", "credit")}
    step = receiving.Processing(**{**data, **amounts, "parts_used": tuple(data["parts_used"])})
    return receiving.record_outcome(db.session, line_id, step, g.user)


@blp.route("/<uuid:line_id>/processing", methods=["GET"])
@requires(*STAFF)
@blp.response(200, ProcessingRecordSchema(many=True))
def processing(line_id: uuid.UUID):
    """The processing records of a line, oldest first: outcome, hours, parts used, evidence, who and when."""
    return receiving.processing_records(db.session, line_id)


@blp.route("/<uuid:line_id>/chase", methods=["POST"])
@requires(*STAFF)
@blp.response(204)
def chase(line_id: uuid.UUID):
    """Notify the dispatchers and the engineer holding the line again."""
    chasing.chase_line(db.session, line_id, g.user)
