"""The customer's side of a pickup, by the signed link of its email (no account).

A link is held by people outside the company: what it returns is the customer's own
data only (the window and each item with its status), never the engine's figures,
reasons, alternatives, staff notes or staff ids.
"""

import marshmallow as ma
from marshmallow import fields

from common.enums import CustomerAnswer, PickupStatus, ReturnStatus
from server.api.json_body import Blueprint
from server.extensions import db
from server.services.planning import customer

blp = Blueprint("customer_api", __name__, url_prefix="/api/v1/customer",
                description="Pickups by signed link, for customers and integrations")


class AnswerSchema(ma.Schema):
    answer = fields.Enum(CustomerAnswer, by_value=True, required=True)
    another_day = fields.Date(load_default=None)


class CustomerItemSchema(ma.Schema):
    part_number = fields.Function(lambda line: line.part.part_number)
    description = fields.Function(lambda line: line.part.description)
    serial = fields.String(allow_none=True)
    quantity = fields.Integer()
    status = fields.Enum(ReturnStatus, by_value=True)


class CustomerPickupSchema(ma.Schema):
    id = fields.Integer()
    reference = fields.String()
    site = fields.Function(lambda pickup: pickup.site.name)
    status = fields.Enum(PickupStatus, by_value=True)
    not_before = fields.Date(allow_none=True)
    window_start = fields.AwareDateTime(allow_none=True)
    window_end = fields.AwareDateTime(allow_none=True)
    customer_answer = fields.Enum(CustomerAnswer, by_value=True, allow_none=True)
    collected_at = fields.AwareDateTime(allow_none=True)
    items = fields.List(fields.Nested(CustomerItemSchema), attribute="lines")


@blp.route("/pickups/<token>", methods=["GET"])
@blp.response(200, CustomerPickupSchema)
@blp.alt_response(403, description="A tampered or expired link")
def get_pickup(token: str):
    """The pickup the link is for: window, items and their status."""
    return customer.pickup_for_link(db.session, token)


@blp.route("/pickups/<token>/answer", methods=["POST"])
@blp.arguments(AnswerSchema)
@blp.response(200, CustomerPickupSchema)
def answer(data, token: str):
    """Confirm, say "not ready", or ask for another day."""
    return customer.answer_pickup(db.session, token, data["answer"], data["another_day"])
