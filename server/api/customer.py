"""The customer's side of a pickup, by the signed link of its email (no account)."""

import marshmallow as ma
from marshmallow import fields

from common.enums import CustomerAnswer
from server.api.json_body import Blueprint
from server.api.pickups import PickupDetailSchema
from server.extensions import db
from server.services import customer

blp = Blueprint("customer_api", __name__, url_prefix="/api/v1/customer",
                description="Pickups by signed link, for customers and integrations")


class AnswerSchema(ma.Schema):
    answer = fields.Enum(CustomerAnswer, by_value=True, required=True)
    another_day = fields.Date(load_default=None)


@blp.route("/pickups/<token>", methods=["GET"])
@blp.response(200, PickupDetailSchema)
@blp.alt_response(403, description="A tampered or expired link")
def get_pickup(token: str):
    """The pickup the link is for: window, items and their status."""
    return customer.pickup_for_link(db.session, token)


@blp.route("/pickups/<token>/answer", methods=["POST"])
@blp.arguments(AnswerSchema)
@blp.response(200, PickupDetailSchema)
def answer(data, token: str):
    """Confirm, say "not ready", or ask for another day."""
    return customer.answer_pickup(db.session, token, data["answer"], data["another_day"])
