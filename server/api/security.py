"""Bearer-token authentication and role checks for API views: people's tokens and integrations' keys."""

from functools import wraps

from flask import current_app, g, request
from flask_smorest import Blueprint

from common.enums import Role
from server.extensions import db
from server.models import IntegrationKey
from server.services.accounts import auth
from server.services.errors import Forbidden, Unauthorized
from server.services.integration import accounts as integration_accounts

STAFF = (Role.DISPATCHER, Role.ADMIN)
#: Whom `requires()` with no roles lets in: anyone signed in as a person.
PEOPLE = (Role.ENGINEER, Role.DISPATCHER, Role.ADMIN)


def requires(*roles: Role):
    """Let the view run only for a signed-in caller with one of `roles` (any person if none given).

    Put it above ``@blp.arguments`` so that an anonymous request is answered
    401 before its body is even read. An integration's key is accepted only
    where `roles` names Role.INTEGRATION; there ``g.integration`` is the
    integration and ``g.user`` its account (``g.integration`` is None for people).
    """
    allowed = roles or PEOPLE

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                raise Unauthorized("Sign in first: send the header 'Authorization: Bearer <token>'.")
            key = integration_accounts.live_key(db.session, token) if integration_accounts.is_key(token) else None
            if key is not None:
                _admit_integration(key, allowed)
            else:
                # Unknown keys too: a person's random token may, rarely, begin like a key.
                _admit_person(token, allowed)
            return current_app.ensure_sync(view)(*args, **kwargs)

        responses = {"401": {"description": "Not signed in"}, "403": {"description": "Not allowed for this role"}}
        if Role.INTEGRATION in allowed:
            responses["429"] = {"description": "The integration key's requests this minute are used up; see "
                                              "Retry-After"}
        return Blueprint.doc(security=[{"bearerAuth": []}], responses=responses)(wrapper)

    return decorator


def _admit_person(token: str, allowed: tuple[Role, ...]) -> None:
    row = auth.authenticate(db.session, token)
    if row.user.role not in allowed or row.user.role == Role.INTEGRATION:
        raise Forbidden(f"This needs the role {' or '.join(allowed)}; you are {row.user.role}.")
    g.user, g.device, g.integration = row.user, row.device, None


def _admit_integration(key: IntegrationKey, allowed: tuple[Role, ...]) -> None:
    if Role.INTEGRATION not in allowed:
        raise Forbidden("Integration keys are not accepted here: this needs a person signed in as "
                        f"{' or '.join(allowed)}.")
    integration_accounts.count_use(db.session, key.id, current_app.config["INTEGRATION_RATE_PER_MINUTE"])
    g.user, g.device, g.integration = key.integration.user, None, key.integration
