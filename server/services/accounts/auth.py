"""Signing in: per-device bearer tokens, throttled password checks, device secrets, signing out, revocation."""

import hashlib
import hmac
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
from server.services.accounts import sign_in_throttle
from server.services.errors import Conflict, Forbidden, Invalid, NotFound, TooManyAttempts, Unauthorized
from server.services.accounts.passwords import Passwords
from server.services.accounts.sign_in_throttle import ThrottlePolicy


@dataclass(frozen=True)
class SignInPolicy:
    token_ttl_s: int = 12 * 3600
    throttle: ThrottlePolicy = ThrottlePolicy()


@dataclass(frozen=True)
class DeviceClaim:
    """What a sign-in says about the phone it comes from, and its proof of being that phone."""

    device_uid: str
    label: str | None = None
    #: The secret the server issued to this phone; None when it has none yet.
    secret: str | None = None
    #: The app keeps a secret it is issued; apps from before device secrets do not ask for one.
    keeps_secret: bool = True
    #: The highest seq the phone has numbered, for the count of its entries still waiting.
    last_seq: int | None = None


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_in: int
    user: User
    #: Issued at this sign-in (to a device whose phone has not yet presented a secret); None otherwise.
    device_secret: str | None = None


REVOKED_MESSAGE = ("This device has been revoked. The entries waiting on it are kept; ask an admin to "
                   "re-enable it, and they sync with it.")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(
    session: so.Session,
    passwords: Passwords,
    policy: SignInPolicy,
    *,
    username: str,
    password: str,
    device: DeviceClaim,
    remote_addr: str,
) -> SignedIn:
    """Check the password and the device's proof of possession, and issue a token bound to this device.

    Owns the transaction. A claim that does not prove possession gets Conflict and changes nothing. A user
    whose password was reset gets 403 with a `new_password` field error and no token.
    """
    begin_write(session)
    user = verified_user(session, passwords, policy, username, password, remote_addr)
    if user.must_change_password:
        session.commit()
        raise Forbidden("Your password was reset: choose a new one to sign in.",
                        {"new_password": ["Choose a new password of at least 10 characters."]})
    now = utcnow()
    device_row, device_secret = _claimed_device(session, device, user, now)

    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_digest=digest(token),
            user_id=user.id,
            device_id=device_row.id,
            issued_at=now,
            expires_at=now + timedelta(seconds=policy.token_ttl_s),
        )
    )
    session.commit()
    return SignedIn(token, policy.token_ttl_s, user, device_secret)


def _claimed_device(session: so.Session, claim: DeviceClaim, user: User, now) -> tuple[Device, str | None]:
    """The device this sign-in may use, and the secret newly issued to it (None when none was)."""
    device = session.scalar(sa.select(Device).where(Device.device_uid == claim.device_uid))
    if device is None:
        device = Device(device_uid=claim.device_uid, user_id=user.id)
        session.add(device)
    elif _holds_secret(device, claim):
        device.secret_confirmed_at = device.secret_confirmed_at or now
    else:
        _refuse_unless_own_unconfirmed(session, device, user)
    if claim.last_seq is not None:
        device.reported_seq, device.reported_at = claim.last_seq, now
    if device.revoked:
        session.commit()
        raise Forbidden(REVOKED_MESSAGE, {"device_id": ["This device has been revoked."]})
    if device.user_id != user.id:
        # A phone handed to another engineer: the previous user's tokens end here.
        _revoke_tokens(session, device.id, now)
        device.user_id = user.id
    issued = None
    if device.secret_confirmed_at is None and claim.keeps_secret:
        # A new device, one from before device secrets, or one whose phone never got the secret issued.
        issued = secrets.token_urlsafe(32)
        device.secret_digest = digest(issued)
    if claim.label:
        device.label = claim.label
    device.last_seen_at = now
    session.flush()
    return device, issued


def _holds_secret(device: Device, claim: DeviceClaim) -> bool:
    """The claim carries the device's secret: it comes from the phone registered as `device`."""
    return (device.secret_digest is not None and claim.secret is not None
            and hmac.compare_digest(digest(claim.secret), device.secret_digest))


def _refuse_unless_own_unconfirmed(session: so.Session, device: Device, user: User) -> None:
    """Conflict, with nothing changed, unless `user` is the device's own user and the device has no
    confirmed secret: one registered before device secrets, or one whose phone never presented the
    secret it was issued (the answer carrying it may have been lost on the way)."""
    if device.secret_confirmed_at is not None:
        session.rollback()
        raise Conflict("This device id is registered to another phone, and this sign-in does not carry that "
                       "phone's device secret. Nothing was changed.",
                       {"device_secret": ["Missing or wrong for this device id."]})
    if device.user_id != user.id:
        session.rollback()
        raise Conflict("This device id belongs to a phone that has not yet proven it holds its device secret: "
                       "its last user must sign in on it once more (with an up-to-date app) before anyone else "
                       "can. Nothing was changed.",
                       {"device_secret": ["Not yet proven by this device's phone."]})


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
    if (not passwords.verify(user.password_hash if user else None, password) or not user.active
            or user.role == Role.INTEGRATION):  # an integration signs in with its keys only
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


def may_revoke(device: Device, staff: User) -> bool:
    """An admin's device is revoked by an admin only: a dispatcher cannot lock out those who oversee them."""
    return device.user.role != Role.ADMIN or staff.role == Role.ADMIN


def device_to_revoke(session: so.Session, device_pk: int, staff: User) -> Device:
    """The device `staff` may revoke, or NotFound / Forbidden. Joins the caller's transaction."""
    device = session.get(Device, device_pk)
    if device is None:
        raise NotFound(f"No device {device_pk}.")
    if not may_revoke(device, staff):
        raise Forbidden("Only an admin can revoke an admin's device.")
    return device


def revoke_device(session: so.Session, device_pk: int, revoked_by: User) -> Device:
    """End every token the device holds and refuse it new ones; its history is kept. Owns the transaction."""
    begin_write(session)
    device = device_to_revoke(session, device_pk, revoked_by)
    if not device.revoked:
        now = utcnow()
        device.revoked_at = now
        device.revoked_by_id = revoked_by.id
        _revoke_tokens(session, device.id, now)
    session.commit()
    return device


def enable_device(session: so.Session, device_pk: int) -> Device:
    """Let a revoked device sign in again (with its secret), to carry on with its seqs. Owns the transaction.

    Its old tokens stay revoked: the phone signs in afresh. Admins only (the callers check the role).
    """
    begin_write(session)
    device = session.get(Device, device_pk)
    if device is None:
        raise NotFound(f"No device {device_pk}.")
    device.revoked_at = None
    device.revoked_by_id = None
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
