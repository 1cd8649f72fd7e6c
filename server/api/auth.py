"""Sign-in for phones and tools, and who am I."""

from flask import current_app, g, request

from common.schemas import PasswordChangeSchema, TokenRequestSchema, TokenResponseSchema, UserSchema
from server.api.json_body import Blueprint
from server.api.security import requires
from server.extensions import db
from server.services.accounts import auth, password_changes
from server.services.accounts.sign_in_throttle import ThrottlePolicy

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in")


def sign_in_policy() -> auth.SignInPolicy:
    config = current_app.config
    return auth.SignInPolicy(
        token_ttl_s=config["TOKEN_TTL_SECONDS"],
        throttle=ThrottlePolicy(
            free_failures=config["LOGIN_FREE_FAILURES"],
            first_delay_s=config["LOGIN_FIRST_DELAY_SECONDS"],
            max_delay_s=config["LOGIN_MAX_DELAY_SECONDS"],
            failure_window_s=config["LOGIN_FAILURE_WINDOW_SECONDS"],
        ),
    )


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenResponseSchema)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(403, description="The device has been revoked, or the password was reset: change it first "
                                   "(errors.new_password)")
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


@blp.route("/auth/password", methods=["POST"])
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(422, description="The new password is too short, or the same as the old one")
@blp.alt_response(429, description="Too many failed sign-ins; see Retry-After")
def change_password(change):
    """Choose a new password, proving the current one; every token of the user ends. Then sign in with it."""
    password_changes.change_password(
        db.session, current_app.extensions["fieldloop.passwords"], sign_in_policy(),
        username=change["username"], password=change["password"], new_password=change["new_password"],
        remote_addr=request.remote_addr or "unknown",
    )


@blp.route("/me", methods=["GET"])
@requires()
@blp.response(200, UserSchema)
def me():
    """The signed-in user."""
    return g.user
