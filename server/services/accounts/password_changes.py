"""Changing a password, and a dispatcher's reset of an engineer's: either ends every way in of the old one.

A new password (chosen or reset) revokes the user's bearer tokens and ends
their console sessions: a phone then asks for the new password and keeps the
entries waiting in its outbox. A reset leaves the user with a password someone
else knows, so it also marks the account: the next sign-in must choose a new one.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Role
from server.database import begin_write
from server.models import ApiToken, User
from server.models.types import utcnow
from server.services.accounts import auth
from server.services.errors import Forbidden, Invalid, NotFound
from server.services.accounts.passwords import Passwords, validate_new_password

#: Whose password each role may reset: dispatchers reset engineers'; admins anyone's but their own.
RESETTABLE_ROLES = {
    Role.DISPATCHER: {Role.ENGINEER},
    Role.ADMIN: {Role.ENGINEER, Role.DISPATCHER, Role.ADMIN},
}


def may_reset_password(actor: User, target: User) -> bool:
    """Whether `actor` may reset `target`'s password (nobody resets their own: they change it)."""
    return actor.id != target.id and target.role in RESETTABLE_ROLES.get(actor.role, set())


def change_password(
    session: so.Session, passwords: Passwords, policy: auth.SignInPolicy, *, username: str, password: str,
    new_password: str, remote_addr: str,
) -> User:
    """Replace the password of the user who knows `password`, throttled as sign-in is. Owns the transaction."""
    begin_write(session)
    user = auth.verified_user(session, passwords, policy, username, password, remote_addr)
    _check_new(passwords, user, new_password, reused_message="Choose a password other than the one you have now.")
    _replace(session, passwords, user, new_password, must_change=False)
    session.commit()
    return user


def reset_password(session: so.Session, passwords: Passwords, *, user_id: int, new_password: str,
                   reset_by: User) -> User:
    """Give the user a password to be changed at their next sign-in. Owns the transaction."""
    begin_write(session)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    if not may_reset_password(reset_by, user):
        raise Forbidden("You may not reset this user's password." if user.id != reset_by.id
                        else "Change your own password instead of resetting it.")
    _check_new(passwords, user, new_password)
    _replace(session, passwords, user, new_password, must_change=True)
    session.commit()
    return user


def _check_new(passwords: Passwords, user: User, new_password: str,
               reused_message: str = "Choose a password other than the current one.") -> None:
    try:
        validate_new_password(new_password)
    except ValueError as err:
        raise Invalid(str(err), {"new_password": [str(err)]}) from err
    if passwords.verify(user.password_hash, new_password):
        raise Invalid(reused_message, {"new_password": [reused_message]})


def _replace(session: so.Session, passwords: Passwords, user: User, new_password: str, *, must_change: bool) -> None:
    user.password_hash = passwords.hash(new_password)
    user.must_change_password = must_change
    session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    auth.next_generation(session, user.id)
