"""Integration accounts for admins (create, issue and revoke keys), and who an integration's key is."""

import marshmallow as ma
from flask import current_app, g
from marshmallow import fields, validate

from common.enums import Role
from server.api.fields import RECORD_ID, record_id
from server.api.json_body import Blueprint
from server.api.security import requires
from server.extensions import db
from server.models import IntegrationKey
from server.services.errors import NotFound
from server.services.integration import accounts

blp = Blueprint("integrations", __name__, url_prefix="/api/v1", description="Integration accounts and their keys")


class IntegrationKeySchema(ma.Schema):
    id = fields.Integer()
    label = fields.String()
    prefix = fields.String(metadata={"description": "The public part of the key: flk_<prefix>_..."})
    created_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    last_used_at = fields.AwareDateTime(allow_none=True)


class IssuedKeySchema(IntegrationKeySchema):
    key = fields.String(metadata={"description": "The key itself, shown in this answer only: it is not stored"})


class IntegrationSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    source = fields.String(metadata={"description": "The source of every record this integration sends"})
    user_id = record_id(metadata={"description": "The account its changes are attributed to"})
    webhook_url = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    disabled_at = fields.AwareDateTime(allow_none=True)
    keys = fields.List(fields.Nested(IntegrationKeySchema))


class IntegrationCreateSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(max=120))
    source = fields.String(required=True, validate=validate.Length(max=40))


class KeyCreateSchema(ma.Schema):
    label = fields.String(required=True, validate=validate.Length(max=120))


class WebhookSchema(ma.Schema):
    url = fields.String(required=True, allow_none=True, validate=validate.Length(max=500))
    secret = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class WhoAmISchema(ma.Schema):
    name = fields.String()
    source = fields.String()
    user_id = record_id()


@blp.route("/integrations", methods=["GET"])
@requires(Role.ADMIN)
@blp.response(200, IntegrationSchema(many=True))
def list_integrations():
    """Every integration, with its keys (their prefixes, never the keys)."""
    return accounts.integrations(db.session)


@blp.route("/integrations", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(IntegrationCreateSchema)
@blp.response(201, IntegrationSchema)
def create_integration(data):
    """A new integration and its account, which signs in with keys only."""
    return accounts.create_integration(db.session, data["name"], data["source"], g.user)


@blp.route(f"/integrations/<{RECORD_ID}:integration_id>/keys", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(KeyCreateSchema)
@blp.response(201, IssuedKeySchema)
def issue_key(data, integration_id: int):
    """A new key for the integration: this answer is the only time it is shown."""
    key, plain = accounts.issue_key(db.session, integration_id, data["label"], g.user)
    return {**{name: getattr(key, name) for name in IntegrationKeySchema().fields}, "key": plain}


@blp.route(f"/integrations/<{RECORD_ID}:integration_id>/keys/<{RECORD_ID}:key_id>/revoke", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(200, IntegrationKeySchema)
def revoke_key(integration_id: int, key_id: int):
    """Refuse the key from now on."""
    key = db.session.get(IntegrationKey, key_id)
    if key is None or key.integration_id != integration_id:
        raise NotFound(f"Integration {integration_id} has no key {key_id}.")
    return accounts.revoke_key(db.session, key_id, g.user)


@blp.route(f"/integrations/<{RECORD_ID}:integration_id>/disable", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(200, IntegrationSchema)
def disable_integration(integration_id: int):
    """Refuse every key of the integration, keeping them, until it is enabled again."""
    return accounts.set_disabled(db.session, integration_id, True, g.user)


@blp.route(f"/integrations/<{RECORD_ID}:integration_id>/enable", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(200, IntegrationSchema)
def enable_integration(integration_id: int):
    """Accept the integration's unrevoked keys again."""
    return accounts.set_disabled(db.session, integration_id, False, g.user)


@blp.route(f"/integrations/<{RECORD_ID}:integration_id>/webhook", methods=["PUT"])
@requires(Role.ADMIN)
@blp.arguments(WebhookSchema)
@blp.response(200, IntegrationSchema)
def set_webhook(data, integration_id: int):
    """Where the integration's feed events are posted (url null: nowhere), and the secret that signs them."""
    return accounts.set_webhook(db.session, integration_id, data["url"], data["secret"],
                                allow_loopback=current_app.config["WEBHOOK_ALLOW_LOOPBACK"])


@blp.route("/integration/whoami", methods=["GET"])
@requires(Role.INTEGRATION)
@blp.response(200, WhoAmISchema)
def whoami():
    """The integration this key belongs to: its name, and the source its records are marked with."""
    return {"name": g.integration.name, "source": g.integration.source, "user_id": g.user.id}
