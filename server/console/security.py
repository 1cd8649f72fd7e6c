"""Who is signed in to the console: a session cookie for staff, checked on every request.

Only dispatchers and admins get a console session. A bearer token (the API's
way in) never opens a page: pages read nothing but the session. The cookie
carries the user's session generation; signing out, a new password or a reset
raises the generation in the database, so a copy of the cookie is refused too.
A user whose password was reset gets only a pending session, which opens the
password-change page and nothing else.
"""

from datetime import datetime, timedelta, timezone
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from common.enums import Role
from server.extensions import db
from server.models import User
from server.services.accounts import auth

STAFF = (Role.DISPATCHER, Role.ADMIN)
SESSION_USER = "console_user_id"
SESSION_SINCE = "console_signed_in_at"
SESSION_PENDING_USER = "console_password_change_for"
SESSION_GENERATION = "console_session_generation"

csrf = CSRFProtect()


def open_session(user: User) -> None:
    """Start a fresh console session for `user` (a new cookie: no fixation).

    A user who must change their password gets a pending session: the password-change page only.
    """
    session.clear()
    session[SESSION_PENDING_USER if user.must_change_password else SESSION_USER] = user.id
    session[SESSION_SINCE] = datetime.now(timezone.utc).timestamp()
    session[SESSION_GENERATION] = user.session_generation


def close_session() -> None:
    """Sign out: this cookie and every copy of it stop working."""
    user_id = session.get(SESSION_USER) or session.get(SESSION_PENDING_USER)
    if _session_user(user_id) is not None:
        auth.end_console_sessions(db.session, user_id)
    session.clear()


def signed_in_user() -> User | None:
    """The staff member of this request's session, or None (also for a stale, ended or downgraded one)."""
    # Not cached on `g`: a test's app context outlives its requests. The identity map saves the query.
    g.staff = _session_user(session.get(SESSION_USER))
    return g.staff


def password_change_pending() -> User | None:
    """The user of a pending session, who must choose a new password before anything else."""
    return _session_user(session.get(SESSION_PENDING_USER))


def _session_user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    hours = current_app.config["CONSOLE_SESSION_HOURS"]
    since = datetime.fromtimestamp(session.get(SESSION_SINCE, 0), timezone.utc)
    if datetime.now(timezone.utc) - since > timedelta(hours=hours):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role not in STAFF or session.get(SESSION_GENERATION) != user.session_generation:
        return None
    return user


def require_staff():
    """A blueprint's before_request: sign in first; staff only; every form carries its CSRF token."""
    user = signed_in_user()
    if user is None:
        if password_change_pending() is not None:
            return redirect(url_for("console_auth.change_password"))
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
