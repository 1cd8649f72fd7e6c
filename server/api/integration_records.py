"""Records in: another system pushes its customers, sites, parts, installed items, jobs and contracts."""

import marshmallow as ma
from flask import g
from marshmallow import fields, validate

from common.enums import Role
from server.api.json_body import Blueprint
from server.api.security import requires
from server.extensions import db
from server.logistics.source_records import KINDS, MAX_RECORDS
from server.services.integration import records

blp = Blueprint("integration_records", __name__, url_prefix="/api/v1/integration",
                description="Records another system owns, pushed in bulk")


class RecordsSchema(ma.Schema):
    records = fields.List(fields.Raw(metadata={"type": "object"}), required=True,
                          validate=validate.Length(max=MAX_RECORDS),
                          metadata={"description": f"At most {MAX_RECORDS} records, each {{kind: one of {', '.join(KINDS)}, "
                                                   "external_id, data}}"})


class RecordResultSchema(ma.Schema):
    index = fields.Integer()
    kind = fields.Raw()
    external_id = fields.Raw()
    result = fields.String(validate=validate.OneOf(("created", "updated", "unchanged", "rejected")))
    id = fields.Integer(allow_none=True)
    errors = fields.Dict(keys=fields.String())
    kept = fields.Dict(keys=fields.String(), values=fields.String())


class RecordResultsSchema(ma.Schema):
    results = fields.List(fields.Nested(RecordResultSchema))


@blp.route("/records", methods=["POST"])
@requires(Role.INTEGRATION)
@blp.arguments(RecordsSchema)
@blp.response(200, RecordResultsSchema)
def push_records(data):
    """Create or update records of this integration's source; one result per record, in request order.

    Each record is applied whole or rejected with field errors; the others go on. The same
    record sent again is `unchanged` and writes nothing.
    """
    return {"results": records.apply_records(db.session, g.integration.source, data["records"], g.user)}
