"""Sign-in for phones and tools, and who am I."""

from flask import current_app, g, request
from flask_smorest import Blueprint

from common.schemas import TokenRequestSchema, TokenResponseSchema, UserSchema
from server.api.security import requires
from server.extensions import db
from server.services import auth

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in")


def sign_in_policy() -> auth.SignInPolicy:
    config = current_app.config
    return auth.SignInPolicy(
        token_ttl_s=config["TOKEN_TTL_SECONDS"],
        max_failures_per_user=config["LOGIN_MAX_FAILURES_PER_USER"],
        max_failures_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        failure_window_s=config["LOGIN_FAILURE_WINDOW_SECONDS"],
    )


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenResponseSchema)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(403, description="The device has been revoked")
@blp.alt_response(409, description="The device id is registered, and its device secret is missing or wrong")
@blp.alt_response(429, description="Too many failed sign-ins; see Retry-After")
def issue_token(credentials):
    """Sign in on a device and get a bearer token for it (and, once, the device's secret)."""
    signed_in = auth.sign_in(
        db.session,
        current_app.extensions["fieldloop.passwords"],
        sign_in_policy(),
        username=credentials["username"],
        password=credentials["password"],
        device=auth.DeviceClaim(
            device_uid=credentials["device_id"],
            label=credentials.get("device_label"),
            secret=credentials.get("device_secret"),
            keeps_secret="device_secret" in credentials,
            last_seq=credentials.get("last_seq"),
        ),
        remote_addr=request.remote_addr or "unknown",
    )
    answer = {
        "access_token": signed_in.token,
        "token_type": "Bearer",
        "expires_in": signed_in.expires_in,
        "user": signed_in.user,
    }
    if signed_in.device_secret is not None:
        answer["device_secret"] = signed_in.device_secret
    return answer


@blp.route("/me", methods=["GET"])
@requires()
@blp.response(200, UserSchema)
def me():
    """The signed-in user."""
    return g.user
