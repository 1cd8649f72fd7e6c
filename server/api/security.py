"""Bearer-token authentication and role checks for API views."""

from functools import wraps

from flask import current_app, g, request
from flask_smorest import Blueprint

from common.enums import Role
from server.extensions import db
from server.services.accounts import auth
from server.services.errors import Forbidden, Unauthorized

STAFF = (Role.DISPATCHER, Role.ADMIN)


def requires(*roles: Role):
    """Let the view run only for a signed-in user with one of `roles` (any role if none given).

    Put it above ``@blp.arguments`` so that an anonymous request is answered
    401 before its body is even read.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("Sign in first: send the header 'Authorization: Bearer <token>'.")
            row = auth.authenticate(db.session, token.strip())
            if roles and row.user.role not in roles:
                raise Forbidden(f"This needs the role {' or '.join(roles)}; you are {row.user.role}.")
            g.user, g.device = row.user, row.device
            return current_app.ensure_sync(view)(*args, **kwargs)

        return Blueprint.doc(
            security=[{"bearerAuth": []}],
            responses={"401": {"description": "Not signed in"}, "403": {"description": "Not allowed for this role"}},
        )(wrapper)

    return decorator
