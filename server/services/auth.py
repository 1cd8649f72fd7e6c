"""Signing in: per-device bearer tokens, throttled password checks, signing out, revocation."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Role
from server.database import begin_write
from server.models import ApiToken, Device, User
from server.models.accounts import username_key
from server.models.types import utcnow
from server.services import sign_in_throttle
from server.services.errors import Forbidden, Invalid, NotFound, TooManyAttempts, Unauthorized
from server.services.passwords import Passwords
from server.services.sign_in_throttle import ThrottlePolicy


@dataclass(frozen=True)
class SignInPolicy:
    token_ttl_s: int = 12 * 3600
    throttle: ThrottlePolicy = ThrottlePolicy()


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_in: int
    user: User


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(
    session: so.Session,
    passwords: Passwords,
    policy: SignInPolicy,
    *,
    username: str,
    password: str,
    device_uid: str,
    device_label: str | None,
    remote_addr: str,
) -> SignedIn:
    """Check the password and issue a token bound to this device. Owns the transaction.

    A user whose password was reset gets 403 with a `new_password` field error and no token.
    """
    begin_write(session)
    user = verified_user(session, passwords, policy, username, password, remote_addr)
    if user.must_change_password:
        session.commit()
        raise Forbidden("Your password was reset: choose a new one to sign in.",
                        {"new_password": ["Choose a new password of at least 10 characters."]})
    now = utcnow()

    device = session.scalar(sa.select(Device).where(Device.device_uid == device_uid))
    if device is None:
        device = Device(device_uid=device_uid, user_id=user.id, label=device_label)
        session.add(device)
    elif device.revoked:
        session.commit()
        raise Forbidden("This device has been revoked by a dispatcher; ask them to re-enable it.")
    elif device.user_id != user.id:
        # A phone handed to another engineer: the previous user's tokens end here.
        _revoke_tokens(session, device.id, now)
        device.user_id = user.id
    if device_label:
        device.label = device_label
    device.last_seen_at = now
    session.flush()

    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_digest=digest(token),
            user_id=user.id,
            device_id=device.id,
            issued_at=now,
            expires_at=now + timedelta(seconds=policy.token_ttl_s),
        )
    )
    session.commit()
    return SignedIn(token, policy.token_ttl_s, user)


def check_password(
    session: so.Session, passwords: Passwords, policy: SignInPolicy, *, username: str, password: str, remote_addr: str
) -> User:
    """The user whose password this is, throttled as `sign_in` is; no token. Owns the transaction.

    For the web console, whose session cookie stands in for a token; the caller
    looks at `must_change_password` itself.
    """
    begin_write(session)
    user = verified_user(session, passwords, policy, username, password, remote_addr)
    session.commit()
    return user


def verified_user(session: so.Session, passwords: Passwords, policy: SignInPolicy, username: str, password: str,
                  remote_addr: str) -> User:
    """The active user with this username (in any case) and password, or Unauthorized / TooManyAttempts.

    Joins the caller's write transaction; a refusal ends it, and a failure is committed before it is
    raised, so that it counts.
    """
    now = utcnow()
    try:
        sign_in_throttle.refuse_while_throttled(session, policy.throttle, username, remote_addr, now)
    except TooManyAttempts:
        session.rollback()
        raise
    user = session.scalar(sa.select(User).where(User.username_key == username_key(username)))
    if not passwords.verify(user.password_hash if user else None, password) or not user.active:
        sign_in_throttle.record_failure(session, policy.throttle, username, remote_addr, now)
        session.commit()
        raise Unauthorized("Wrong username or password.")
    sign_in_throttle.forget_failures(session, username, remote_addr)
    return user


def end_console_sessions(session: so.Session, user_id: int) -> None:
    """Sign the user out: every console session opened so far stops working. Owns the transaction."""
    begin_write(session)
    next_generation(session, user_id)
    session.commit()


def next_generation(session: so.Session, user_id: int) -> None:
    """Raise the user's session generation, ending their console sessions. Joins the caller's transaction."""
    session.execute(sa.update(User).where(User.id == user_id).values(session_generation=User.session_generation + 1))


def authenticate(session: so.Session, token: str) -> ApiToken:
    """The live token for this bearer string, or Unauthorized."""
    row = session.execute(
        sa.select(ApiToken)
        .where(ApiToken.token_digest == digest(token))
        .options(so.joinedload(ApiToken.user), so.joinedload(ApiToken.device))
    ).scalar_one_or_none()
    if row is None:
        raise Unauthorized("This token is not valid; sign in again.")
    if row.revoked_at is not None or row.device.revoked:
        raise Unauthorized("This token has been revoked; sign in again.")
    if row.expires_at <= utcnow():
        raise Unauthorized("This token has expired; sign in again.")
    if not row.user.active:
        raise Unauthorized("This account is disabled.")
    return row


def _revoke_tokens(session: so.Session, device_pk: int, now) -> None:
    session.execute(
        sa.update(ApiToken)
        .where(ApiToken.device_id == device_pk, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_device(session: so.Session, device_pk: int, revoked_by: User) -> Device:
    """End every token the device holds and refuse it new ones."""
    begin_write(session)
    device = session.get(Device, device_pk)
    if device is None:
        raise NotFound(f"No device {device_pk}.")
    now = utcnow()
    device.revoked_at = now
    device.revoked_by_id = revoked_by.id
    _revoke_tokens(session, device.id, now)
    session.commit()
    return device


def create_user(
    session: so.Session, passwords: Passwords, *, username: str, role: Role, password: str, display_name: str | None = None,
    email: str | None = None, home_facility_id: int | None = None,
) -> User:
    begin_write(session)
    taken = session.scalar(sa.select(User.username).where(User.username_key == username_key(username)))
    if taken is not None:
        raise Invalid("That username is taken.", {"username": [f"A user named {taken!r} already exists."]})
    user = User(
        username=username,
        role=Role(role),
        password_hash=passwords.hash(password),
        display_name=display_name or username,
        email=email,
        home_facility_id=home_facility_id,
    )
    session.add(user)
    session.commit()
    return user
