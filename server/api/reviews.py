"""The review queue for dispatchers: field events held until someone decides what they change."""

import marshmallow as ma
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g
from marshmallow import fields, validate

from common.enums import ReviewAction, ReviewKind, ReviewStatus
from server.api.fields import RECORD_ID, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate, where_equal
from server.api.security import STAFF, requires
from server.extensions import db
from server.logistics.reviews import REVIEW_ACTIONS
from server.models import ReviewItem
from server.services.sync import reviews
from server.services.sync.reviews import MAX_COMMENT_LENGTH

blp = Blueprint("reviews", __name__, url_prefix="/api/v1/reviews", description="The review queue")


class ReviewItemSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.Enum(ReviewKind, by_value=True)
    status = fields.Enum(ReviewStatus, by_value=True)
    event_id = fields.UUID()
    event_type = fields.Function(lambda r: r.event.type if r.event else None)
    occurred_at = fields.Function(lambda r: r.event.occurred_at.isoformat() if r.event and r.event.occurred_at else None)
    engineer_id = record_id()
    job_id = record_id(allow_none=True)
    return_line_id = fields.UUID(allow_none=True)
    serialised_item_id = record_id(allow_none=True)
    serial = fields.Function(lambda r: r.serialised_item.serial if r.serialised_item else None)
    reason = fields.String()
    created_at = fields.AwareDateTime()
    actions = fields.Function(
        lambda r: [a.value for a in REVIEW_ACTIONS[r.kind]] if r.status == ReviewStatus.OPEN else [],
        metadata={"description": "What a resolution may do to an open item"},
    )
    resolution = fields.Enum(ReviewAction, by_value=True, allow_none=True)
    resolved_by_id = record_id(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolution_comment = fields.String(allow_none=True)


class ReviewQuery(PageQuery):
    status = fields.Enum(ReviewStatus, by_value=True)
    kind = fields.Enum(ReviewKind, by_value=True)
    engineer_id = record_id()
    job_id = record_id()


class ResolutionSchema(ma.Schema):
    action = fields.Enum(ReviewAction, by_value=True, required=True)
    comment = fields.String(required=True, validate=validate.Length(min=1, max=MAX_COMMENT_LENGTH))


@blp.route("", methods=["GET"])
@requires(*STAFF)
@blp.arguments(ReviewQuery, location="query")
@blp.response(200, page_of(ReviewItemSchema))
def list_reviews(args):
    """Review items, oldest first, filtered."""
    query = (
        sa.select(ReviewItem)
        .options(so.selectinload(ReviewItem.event), so.selectinload(ReviewItem.serialised_item))
        .order_by(ReviewItem.created_at, ReviewItem.id)
    )
    query = where_equal(query, ReviewItem, args, ("status", "kind", "engineer_id", "job_id"))
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route(f"/<{RECORD_ID}:review_id>/resolution", methods=["POST"])
@requires(*STAFF)
@blp.arguments(ResolutionSchema)
@blp.response(200, ReviewItemSchema)
@blp.alt_response(404, description="No such review item")
@blp.alt_response(409, description="Already resolved, or the records changed so that the action cannot apply")
def resolve(data, review_id: int):
    """Resolve an open item with one of its actions; a second resolution is refused (409)."""
    return reviews.resolve_review(db.session, review_id, reviews.Resolution(**data), g.user)
