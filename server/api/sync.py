"""Sync endpoints for field devices: push events, pull changes (docs/sync-protocol.md)."""

from flask import current_app, g, request

from common.enums import Role
from common.schemas import PullQuerySchema, PullResponseSchema, PushRequestSchema, PushResponseSchema
from server.api.json_body import Blueprint, read_json
from server.api.security import requires
from server.extensions import db
from server.services.errors import Forbidden
from server.services.sync.ingest import ingest_events
from server.services.sync.pull import pull_changes

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Field device synchronisation")


@blp.route("/push", methods=["POST"])
@requires(Role.ENGINEER)
@blp.arguments(PushRequestSchema)
@blp.response(200, PushResponseSchema)
@blp.alt_response(413, description="Too many events or too many bytes")
@blp.alt_response(426, description="Protocol version not supported: update the app")
def push(batch):
    """Store a batch of field events exactly once; one result per event."""
    if batch["device_id"] != g.device.device_uid:
        raise Forbidden("This token was issued to another device.")
    raw_events = read_json(request.get_data(cache=True))["events"]
    events = [{"id": env["id"], "seq": env["seq"], "body": raw} for env, raw in zip(batch["events"], raw_events)]
    return ingest_events(db.session, g.user, g.device.id, batch.get("sent_at"), events,
                         batch["protocol_version"])


@blp.route("/pull", methods=["GET"])
@requires(Role.ENGINEER)
@blp.arguments(PullQuerySchema, location="query")
@blp.response(200, PullResponseSchema)
@blp.alt_response(409, description="Cursor too old or from before a restore: pull from no cursor")
def pull(query):
    """Changes to the records in this engineer's scope since the cursor."""
    return pull_changes(
        db.session, g.user.id, query["cursor"], query["limit"],
        retention_days=current_app.config["SYNC_RETENTION_DAYS"],
    )
