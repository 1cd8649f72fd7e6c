"""Reconciling the source system's stock balances with the ledger: upload a balance file, read it, agree it."""

import json
import re
from datetime import date

import marshmallow as ma
from flask import current_app, g, request
from marshmallow import fields

from common.enums import Role, StockGrade
from server.api.fields import RECORD_ID
from server.api.json_body import Blueprint, read_json
from server.api.security import STAFF, requires
from server.api.stock import MovementSchema
from server.extensions import db
from server.services.errors import Invalid
from server.services.integration import reconcile as service
from server.services.integration.reconcile import BalanceRow, read_balance_file
from server.services.master_data.imports import decode

blp = Blueprint("reconciliations", __name__, url_prefix="/api/v1/integration/reconciliations",
                description="Reconciling the source system's stock balances with the ledger")

#: Staff, and the source system with its integration key.
ALLOWED = (Role.INTEGRATION, *STAFF)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BalanceRowSchema(ma.Schema):
    part_number = fields.String(required=True)
    location = fields.String(required=True, metadata={"description": "FAC:<code>, VAN:<username> or SITE:<id>"})
    grade = fields.Enum(StockGrade, by_value=True, required=True)
    quantity = fields.Integer(required=True, metadata={"description": "Units held, 0 or more"})


class BalancesSchema(ma.Schema):
    as_of = fields.Date(required=True, metadata={"description": "The day the balances are of (its end, site time)"})
    balances = fields.List(fields.Nested(BalanceRowSchema), required=True)


class BalanceFileSchema(ma.Schema):
    as_of = fields.Date(required=True)
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": "CSV: part_number, location, grade, quantity"})


class LineSchema(ma.Schema):
    part_number = fields.String()
    location = fields.String()
    grade = fields.Enum(StockGrade, by_value=True)
    source_quantity = fields.Integer()
    fieldloop_quantity = fields.Integer()
    difference = fields.Integer(metadata={"description": "Fieldloop's quantity less the source's"})
    outcome = fields.String(metadata={"enum": ["explained", "unexplained"]})
    movements = fields.List(fields.Nested(MovementSchema), metadata={
        "description": "The latest movements, in ledger order, whose net is the difference (empty: unexplained)"})


class CountsSchema(ma.Schema):
    compared = fields.Integer()
    agreeing = fields.Integer()
    explained = fields.Integer()
    unexplained = fields.Integer()


class ReconciliationSchema(ma.Schema):
    id = fields.Integer()
    as_of = fields.Date()
    as_of_moment = fields.AwareDateTime(metadata={"description": "The ledger was read at this moment"})
    ledger_seq = fields.Integer(metadata={"description": "The last movement seq the comparison saw"})
    since_id = fields.Integer(allow_none=True, metadata={
        "description": "The agreed reconciliation the explanations start from (none: the start of the ledger)"})
    source = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    agreed_at = fields.AwareDateTime(allow_none=True)
    counts = fields.Nested(CountsSchema)
    lines = fields.List(fields.Nested(LineSchema), metadata={"description": "The differences only"})


_REQUEST_BODY = {"required": True, "content": {"application/json": {"schema": BalancesSchema},
                                               "multipart/form-data": {"schema": BalanceFileSchema}}}


@blp.route("", methods=["POST"])
@requires(*ALLOWED)
@blp.doc(requestBody=_REQUEST_BODY)
@blp.response(201, ReconciliationSchema)
@blp.alt_response(422, description="A row or the date is wrong: nothing was stored")
def post_reconciliation():
    """Compare the source's balances as of a day with the ledger: every difference, explained or not."""
    as_of, rows, rows_field, filename = _json_balances() if request.is_json else _file_balances()
    reconciliation = service.reconcile(
        db.session, as_of, rows, g.user, zone=current_app.config["SITE_TIMEZONE"], rows_field=rows_field,
        source=g.integration.source if g.integration is not None else None, filename=filename)
    return _shown(reconciliation)


@blp.route(f"/<{RECORD_ID}:reconciliation_id>", methods=["GET"])
@requires(*ALLOWED)
@blp.response(200, ReconciliationSchema)
def get_reconciliation(reconciliation_id: int):
    """One reconciliation: its differences and the movements that explain them."""
    return _shown(service.get(db.session, reconciliation_id))


@blp.route(f"/<{RECORD_ID}:reconciliation_id>/agree", methods=["POST"])
@requires(*ALLOWED)
@blp.response(200, ReconciliationSchema)
@blp.alt_response(409, description="A later reconciliation is agreed already")
def agree_reconciliation(reconciliation_id: int):
    """Agree a reconciliation: the next one explains its differences by the movements since this one."""
    return _shown(service.agree(db.session, reconciliation_id, g.user))


def _shown(reconciliation) -> dict:
    movements = service.explaining_movements(db.session, reconciliation)
    lines = [{"part_number": line.part_number, "location": line.location, "grade": line.grade,
              "source_quantity": line.source_quantity, "fieldloop_quantity": line.fieldloop_quantity,
              "difference": line.difference, "outcome": line.outcome,
              "movements": [movements[i] for i in line.movement_ids if i in movements]}
             for line in reconciliation.lines]
    return {"id": reconciliation.id, "as_of": reconciliation.as_of, "as_of_moment": reconciliation.as_of_moment,
            "ledger_seq": reconciliation.ledger_seq, "since_id": reconciliation.since_id,
            "source": reconciliation.source, "filename": reconciliation.filename,
            "created_at": reconciliation.created_at, "agreed_at": reconciliation.agreed_at,
            "counts": service.counts(reconciliation), "lines": lines}


def _as_of(value, errors: dict) -> date | None:
    if not isinstance(value, str) or not value.strip():
        errors["as_of"] = ["Required: the day the balances are of, as YYYY-MM-DD."]
        return None
    try:
        if not _ISO_DATE.fullmatch(value.strip()):
            raise ValueError(value)
        return date.fromisoformat(value.strip())
    except ValueError:
        errors["as_of"] = [f"Not a date: {value[:40]!r}; write it as YYYY-MM-DD."]
        return None


def _json_balances():
    try:
        body = read_json(request.get_data(cache=True))
    except json.JSONDecodeError as err:
        raise Invalid("The body is not valid JSON.", {"json": ["The body is not valid JSON."]}) from err
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.", {"json": ["Send {\"as_of\": ..., \"balances\": [...]}."]})
    errors: dict = {}
    as_of = _as_of(body.get("as_of"), errors)
    balances = body.get("balances")
    if not isinstance(balances, list):
        errors["balances"] = ["Required: a list of {part_number, location, grade, quantity}."]
    elif any(not isinstance(row, dict) for row in balances):
        errors["balances"] = {str(i): {"row": ["Must be an object."]}
                              for i, row in enumerate(balances) if not isinstance(row, dict)}
    if errors:
        raise Invalid("The balances were not compared; nothing was stored.", errors)
    rows = [BalanceRow(i, row.get("part_number"), row.get("location"), row.get("grade"), row.get("quantity"))
            for i, row in enumerate(balances)]
    return as_of, rows, "balances", None


def _file_balances():
    errors: dict = {}
    as_of = _as_of(request.form.get("as_of"), errors)
    upload = request.files.get("file")
    if upload is None:
        errors["file"] = ["Required: a CSV file with the columns part_number, location, grade, quantity."]
    if errors:
        raise Invalid("The balances were not compared; nothing was stored.", errors)
    filename = (upload.filename or "")[:200] or None
    return as_of, read_balance_file(decode(upload.read())), "file", filename
