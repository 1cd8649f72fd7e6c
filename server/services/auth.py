"""Signing in: per-device bearer tokens, rate-limited password checks, revocation."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Role
from server.database import begin_write
from server.models import ApiToken, Device, LoginFailure, User
from server.models.types import utcnow
from server.services.errors import Forbidden, Invalid, NotFound, TooManyAttempts, Unauthorized
from server.services.passwords import Passwords


@dataclass(frozen=True)
class SignInPolicy:
    token_ttl_s: int = 12 * 3600
    max_failures_per_user: int = 5
    max_failures_per_address: int = 20
    failure_window_s: int = 15 * 60


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
    """Check the password and issue a token bound to this device."""
    begin_write(session)
    now = utcnow()
    user = _verified_user(session, passwords, policy, username, password, remote_addr, now)

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
    """The user whose password this is, counted against the same failure limits as `sign_in`; no token.

    For the web console, whose session cookie stands in for a token.
    """
    begin_write(session)
    user = _verified_user(session, passwords, policy, username, password, remote_addr, utcnow())
    session.commit()
    return user


def _verified_user(session, passwords: Passwords, policy: SignInPolicy, username: str, password: str,
                   remote_addr: str, now) -> User:
    _refuse_when_too_many_failures(session, policy, username, remote_addr, now)
    user = session.scalar(sa.select(User).where(User.username == username))
    if not passwords.verify(user.password_hash if user else None, password) or not user.active:
        session.add(LoginFailure(username=username[:80], remote_addr=remote_addr[:64], at=now))
        session.commit()
        raise Unauthorized("Wrong username or password.")
    session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username))
    return user


def _refuse_when_too_many_failures(session, policy: SignInPolicy, username: str, remote_addr: str, now) -> None:
    since = now - timedelta(seconds=policy.failure_window_s)
    recent = sa.select(sa.func.count(), sa.func.min(LoginFailure.at)).where(LoginFailure.at >= since)
    by_user, first_user = session.execute(recent.where(LoginFailure.username == username)).one()
    by_addr, first_addr = session.execute(recent.where(LoginFailure.remote_addr == remote_addr)).one()
    blocked = [
        first
        for count, limit, first in (
            (by_user, policy.max_failures_per_user, first_user),
            (by_addr, policy.max_failures_per_address, first_addr),
        )
        if count >= limit
    ]
    if blocked:
        retry_after = max(1, int((min(blocked) + timedelta(seconds=policy.failure_window_s) - now).total_seconds()))
        session.commit()
        raise TooManyAttempts(
            f"Too many failed sign-ins. Try again in {retry_after // 60 + 1} minutes.",
            headers={"Retry-After": str(retry_after)},
        )


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
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Invalid("That username is taken.", {"username": [f"A user named {username!r} already exists."]})
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
