"""Who is signed in to the console: a session cookie for staff, checked on every request.

Only dispatchers and admins get a console session. A bearer token (the API's
way in) never opens a page: pages read nothing but the session.
"""

import hashlib
from datetime import datetime, timedelta, timezone
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from common.enums import Role
from server.extensions import db
from server.models import User

STAFF = (Role.DISPATCHER, Role.ADMIN)
SESSION_USER = "console_user_id"
SESSION_SINCE = "console_signed_in_at"
SESSION_FINGERPRINT = "console_password_fingerprint"

csrf = CSRFProtect()


def _fingerprint(user: User) -> str:
    # A new password (or a reset) ends every session opened with the old one.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def open_session(user: User) -> None:
    """Start a fresh console session for `user` (a new cookie: no fixation)."""
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_SINCE] = datetime.now(timezone.utc).timestamp()
    session[SESSION_FINGERPRINT] = _fingerprint(user)


def close_session() -> None:
    session.clear()


def signed_in_user() -> User | None:
    """The staff member of this request's session, or None (also for a stale or downgraded one)."""
    # Not cached on `g`: a test's app context outlives its requests. The identity map saves the query.
    g.staff = None
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return None
    hours = current_app.config["CONSOLE_SESSION_HOURS"]
    since = datetime.fromtimestamp(session.get(SESSION_SINCE, 0), timezone.utc)
    if datetime.now(timezone.utc) - since > timedelta(hours=hours):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role not in STAFF or session.get(SESSION_FINGERPRINT) != _fingerprint(user):
        return None
    g.staff = user
    return user


def require_staff():
    """A blueprint's before_request: sign in first; staff only; every form carries its CSRF token."""
    user = signed_in_user()
    if user is None:
        return redirect(url_for("console_auth.sign_in", next=request.full_path.rstrip("?")))
    csrf.protect()
    return None


def admin_only(view):
    """Let only admins run `view`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if signed_in_user() is None or g.staff.role != Role.ADMIN:
            abort(403, "Only an admin may do this.")
        return view(*args, **kwargs)

    return wrapper


def is_admin() -> bool:
    user = signed_in_user()
    return user is not None and user.role == Role.ADMIN
