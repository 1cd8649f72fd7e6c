"""Is the server up, and which protocol does it speak: for phones, probes and load balancers."""

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from common.protocol import PROTOCOL_VERSION
from server.api.json_body import Blueprint
from server.extensions import db
from server.models.types import utcnow

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Health")


class HealthSchema(ma.Schema):
    status = fields.String()
    protocol_version = fields.Integer()
    server_time = fields.AwareDateTime()


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.alt_response(503, description="The database is unavailable")
def health():
    """No sign-in needed. Answers 503 when the database cannot be reached."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok", "protocol_version": PROTOCOL_VERSION, "server_time": utcnow()}
