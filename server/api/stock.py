"""The stock ledger for dispatchers and for the company's ERP: balances, the movement export, corrections."""

import marshmallow as ma
from flask import g
from marshmallow import fields, validate

from common.enums import MovementKind, Role, StockGrade, StockLocationKind
from common.schemas import Text
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of
from server.api.security import STAFF, requires
from server.downloads import csv_download
from server.extensions import db
from server.models.types import utcnow
from server.services.stock import adjustments, exports

blp = Blueprint("stock", __name__, url_prefix="/api/v1/stock", description="The stock ledger")

MAX_MOVEMENTS_PER_PAGE = 1000
#: Who may download the CSV exports: staff, and the company's systems.
EXPORTERS = (*STAFF, Role.INTEGRATION)
_CODE = validate.Length(min=1, max=80)
_PART = validate.Length(min=1, max=64)
_REASON = validate.Length(max=adjustments.MAX_REASON_LENGTH)
_QUANTITY = validate.Range(min=1, max=adjustments.MAX_QUANTITY)


class BalanceSchema(ma.Schema):
    location = fields.String(metadata={"description": "Location code: FAC:<code>, VAN:<username>, SITE:<id>"})
    location_kind = fields.Enum(StockLocationKind, by_value=True)
    location_name = fields.String()
    part_number = fields.String()
    grade = fields.Enum(StockGrade, by_value=True)
    quantity = fields.Integer(metadata={"description": "Negative: the ledger recorded more out than in (flagged)"})


class BalanceFilters(ma.Schema):
    location = Text(validate=_CODE)
    part_number = Text(validate=_PART)
    grade = fields.Enum(StockGrade, by_value=True)
    as_of = fields.AwareDateTime(metadata={
        "description": "Balances of the movements that occurred before this moment: with the movements of a period "
                       "(occurred_from, occurred_before), a period's opening and closing balances reconcile"})


class BalanceQuery(PageQuery, BalanceFilters):
    """A page of the balances the filters select."""


class MovementSchema(ma.Schema):
    id = fields.UUID(metadata={"description": "Stable: the same fact always has the same id"})
    seq = fields.Integer(metadata={"description": "Ledger order; the export's cursor"})
    kind = fields.Enum(MovementKind, by_value=True)
    part_number = fields.Function(lambda m: m.part.part_number)
    quantity = fields.Integer()
    from_location = fields.Function(lambda m: m.from_location.code if m.from_location else None)
    from_grade = fields.Enum(StockGrade, by_value=True, allow_none=True)
    to_location = fields.Function(lambda m: m.to_location.code if m.to_location else None)
    to_grade = fields.Enum(StockGrade, by_value=True, allow_none=True)
    serial = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    return_line_id = fields.UUID(allow_none=True)
    event_id = fields.UUID(allow_none=True)
    reservation_id = fields.Integer(allow_none=True)
    delivery_id = fields.Integer(allow_none=True)
    processing_record_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    left_negative = fields.Boolean(metadata={"description": "It took its source below zero"})


class MovementQuery(ma.Schema):
    after_seq = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62),
                               metadata={"description": "Movements after this seq (the last page's next_after_seq)"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=MAX_MOVEMENTS_PER_PAGE))
    occurred_from = fields.AwareDateTime(metadata={"description": "Occurred at or after"})
    occurred_before = fields.AwareDateTime(metadata={"description": "Occurred before"})
    location = Text(validate=_CODE, metadata={"description": "Into or out of this location"})
    part_number = Text(validate=_PART)


class MovementExportQuery(ma.Schema):
    occurred_from = fields.AwareDateTime(data_key="from", metadata={"description": "Occurred at or after"})
    occurred_before = fields.AwareDateTime(data_key="until", metadata={"description": "Occurred before"})
    location = Text(validate=_CODE, metadata={"description": "Into or out of this location"})
    part_number = Text(validate=_PART)


class MovementPageSchema(ma.Schema):
    items = fields.List(fields.Nested(MovementSchema))
    next_after_seq = fields.Integer(metadata={"description": "Pass as after_seq for the next page"})
    more = fields.Boolean()


class TransferSchema(ma.Schema):
    part_number = Text(required=True, validate=_PART)
    quantity = fields.Integer(required=True, validate=_QUANTITY)
    grade = fields.Enum(StockGrade, by_value=True, required=True)
    from_location = Text(required=True, validate=_CODE)
    to_location = Text(required=True, validate=_CODE)
    reason = Text(required=True, validate=_REASON)
    occurred_at = fields.AwareDateTime()

    @ma.post_load
    def command(self, data, **kwargs):
        return adjustments.Transfer(**data)


class StocktakeSchema(ma.Schema):
    part_number = Text(required=True, validate=_PART)
    grade = fields.Enum(StockGrade, by_value=True, required=True)
    location = Text(required=True, validate=_CODE)
    counted = fields.Integer(required=True, validate=validate.Range(min=0, max=adjustments.MAX_QUANTITY))
    reason = Text(required=True, validate=_REASON)
    occurred_at = fields.AwareDateTime()

    @ma.post_load
    def command(self, data, **kwargs):
        return adjustments.Stocktake(**data)


class SupplySchema(ma.Schema):
    part_number = Text(required=True, validate=_PART)
    quantity = fields.Integer(required=True, validate=_QUANTITY)
    facility = Text(required=True, validate=_CODE, metadata={"description": "FAC:<facility code>"})
    reason = Text(validate=_REASON, allow_none=True, metadata={"description": "e.g. the purchase order"})
    occurred_at = fields.AwareDateTime()

    @ma.post_load
    def command(self, data, **kwargs):
        return adjustments.Supply(**data)


class StocktakeResultSchema(ma.Schema):
    movement = fields.Nested(MovementSchema, allow_none=True,
                             metadata={"description": "None: the count agreed with the ledger"})


@blp.route("/balances", methods=["GET"])
@requires(*STAFF)
@blp.arguments(BalanceQuery, location="query")
@blp.response(200, page_of(BalanceSchema))
def list_balances(args):
    """Balances per location, part number and grade, summed from the movements (zero balances left out)."""
    rows = _balances(args)
    start = (args["page"] - 1) * args["page_size"]
    return {"items": rows[start:start + args["page_size"]], "page": args["page"], "page_size": args["page_size"],
            "total": len(rows), "pages": max(1, -(-len(rows) // args["page_size"]))}


def _balances(args) -> list[dict]:
    return exports.balance_rows(db.session, location=args.get("location"), part_number=args.get("part_number"),
                                grade=args.get("grade"), as_of=args.get("as_of"))


@blp.route("/movements", methods=["GET"])
@requires(*STAFF)
@blp.arguments(MovementQuery, location="query")
@blp.response(200, MovementPageSchema)
def list_movements(args):
    """The movement export, in ledger order: page with after_seq; ids are stable, so a reader may replay safely."""
    rows = exports.movements(db.session, after_seq=args["after_seq"], limit=args["limit"] + 1,
                             **_movement_filters(args))
    items = rows[:args["limit"]]
    return {"items": items, "next_after_seq": items[-1].seq if items else args["after_seq"],
            "more": len(rows) > args["limit"]}


def _movement_filters(args) -> dict:
    return {name: args.get(name) for name in ("occurred_from", "occurred_before", "location", "part_number")}


@blp.route("/transfers", methods=["POST"])
@requires(*STAFF)
@blp.arguments(TransferSchema)
@blp.response(201, MovementSchema)
@blp.alt_response(422, description="A field is wrong: nothing was recorded")
def post_transfer(command):
    """Record units moved from one location to another (with a reason)."""
    return adjustments.transfer(db.session, command, g.user)


@blp.route("/stocktakes", methods=["POST"])
@requires(*STAFF)
@blp.arguments(StocktakeSchema)
@blp.response(201, StocktakeResultSchema)
@blp.alt_response(422, description="A field is wrong: nothing was recorded")
def post_stocktake(command):
    """Record a count: the ledger gets the correcting movement (none when it agrees)."""
    return {"movement": adjustments.stocktake(db.session, command, g.user)}


@blp.route("/supplies", methods=["POST"])
@requires(*STAFF)
@blp.arguments(SupplySchema)
@blp.response(201, MovementSchema)
@blp.alt_response(422, description="A field is wrong: nothing was recorded")
def post_supply(command):
    """Record new units bought in, arriving at a facility."""
    return adjustments.supply(db.session, command, g.user)


_CSV = {200: {"description": "CSV (UTF-8 with a byte-order mark), one row per balance or movement",
              "content": {"text/csv": {"schema": {"type": "string"}}}}}


@blp.route("/export/balances.csv", methods=["GET"])
@requires(*EXPORTERS)
@blp.arguments(BalanceFilters, location="query")
@blp.doc(responses=_CSV)
def export_balances(args):
    """The balances as CSV for finance: the rows of GET /balances (as of a moment, if given), unpaged."""
    stamp = args["as_of"].date().isoformat() if "as_of" in args else utcnow().date().isoformat()
    return csv_download(f"balances-{stamp}.csv", exports.balances_csv(
        db.session, location=args.get("location"), part_number=args.get("part_number"), grade=args.get("grade"),
        as_of=args.get("as_of")))


@blp.route("/export/movements.csv", methods=["GET"])
@requires(*EXPORTERS)
@blp.arguments(MovementExportQuery, location="query")
@blp.doc(responses=_CSV)
def export_movements(args):
    """The movements of a period (occurred from `from`, before `until`) as CSV for finance, in ledger order."""
    return csv_download(f"movements-{utcnow().date().isoformat()}.csv",
                        exports.movements_csv(db.session, **_movement_filters(args)))
