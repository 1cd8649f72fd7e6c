"""The outbound feed for other systems: events after a cursor (docs/integration.md, "The outbound feed")."""

from flask import current_app
from flask_smorest import Api

from common.enums import Role
from common.feed_schemas import EVENT_SCHEMAS, FeedPageSchema, FeedQuerySchema, component_names
from server.api.json_body import Blueprint
from server.api.security import requires
from server.extensions import db
from server.services.integration.feed import read_feed

blp = Blueprint("integration_feed", __name__, url_prefix="/api/v1/integration",
                description="The outbound feed of facts, for other systems")


@blp.route("/feed", methods=["GET"])
@requires(Role.INTEGRATION, Role.ADMIN)
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, FeedPageSchema)
@blp.alt_response(400, description="A cursor the server did not issue")
@blp.alt_response(409, description="A cursor older than the retention, or from before a restore: read from no cursor")
def feed(query):
    """Events after the cursor, oldest first; with no cursor, from the oldest event kept."""
    return read_feed(db.session, query["cursor"], query["limit"],
                     retention_days=current_app.config["FEED_RETENTION_DAYS"])


def register_event_schemas(api: Api) -> None:
    """Put every version of every event type's data and refs schemas in the OpenAPI components."""
    for event_type, versions in EVENT_SCHEMAS.items():
        for version, (data_schema, refs_schema) in versions.items():
            data_name, refs_name = component_names(event_type, version)
            api.spec.components.schema(data_name, schema=data_schema)
            api.spec.components.schema(refs_name, schema=refs_schema)
