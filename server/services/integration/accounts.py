"""Integration accounts: creating them, issuing and revoking their API keys, and accepting a key on a request.

An integration's changes are attributed to its own User (role integration), which has no usable password: it
reaches the API only with a key, and only the views that accept integrations (server/api/security.py).
"""

import hashlib
import math
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Role
from server.database import begin_write
from server.models import Integration, IntegrationKey, User
from server.models.accounts import username_key
from server.models.types import utcnow
from server.notify.webhook_targets import RefusedTarget, check_target
from server.services.errors import Invalid, NotFound, TooManyAttempts, Unauthorized

KEY_SCHEME = "flk"
#: What a source may be called: it is stored in every record the integration sends.
SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
RATE_WINDOW_SECONDS = 60
#: Stored instead of a password hash: no password verifies against it (it is no Argon2 hash).
NO_PASSWORD = "!integration: signs in with API keys only"


def is_key(token: str) -> bool:
    """The bearer string has the shape of an integration key (flk_<prefix>_<secret>), not of a person's token."""
    return token.startswith(KEY_SCHEME + "_")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_integration(session: so.Session, name: str, source: str, by: User | None) -> Integration:
    """A new integration and its account; 422 naming the field when the name or source is missing or taken.
    `by` is None on the command line. Owns the transaction."""
    begin_write(session)
    name, source = (name or "").strip(), (source or "").strip()
    errors = _naming_errors(session, name, source)
    if errors:
        session.rollback()
        raise Invalid("The integration cannot be created.", errors)
    user = User(username=f"integration.{source}", display_name=name, role=Role.INTEGRATION, password_hash=NO_PASSWORD)
    session.add(user)
    session.flush()
    integration = Integration(name=name, source=source, user_id=user.id, created_by_id=by.id if by else None)
    session.add(integration)
    session.commit()
    return integration


def _naming_errors(session: so.Session, name: str, source: str) -> dict:
    errors = {}
    if not name:
        errors["name"] = ["Give the integration a name."]
    elif len(name) > 120:
        errors["name"] = ["At most 120 characters."]
    elif session.scalar(sa.select(Integration.id).where(sa.func.lower(Integration.name) == name.lower())):
        errors["name"] = [f"An integration named {name!r} already exists."]
    if not SOURCE_PATTERN.match(source):
        errors["source"] = ["1 to 40 characters: lower-case letters, digits, '.', '_' or '-', starting with a "
                            "letter or digit."]
    elif session.scalar(sa.select(Integration.id).where(Integration.source == source)):
        errors["source"] = [f"The source {source!r} is already used by another integration."]
    elif session.scalar(sa.select(User.id).where(User.username_key == username_key(f"integration.{source}"))):
        errors["source"] = [f"A user named 'integration.{source}' already exists."]
    return errors


def issue_key(session: so.Session, integration_id: int, label: str, by: User | None) -> tuple[IntegrationKey, str]:
    """A new key for the integration and its plain text, which is shown once and never stored. Owns the
    transaction."""
    begin_write(session)
    integration = _integration(session, integration_id)
    label = (label or "").strip()
    if not label or len(label) > 120:
        session.rollback()
        raise Invalid("The key cannot be issued.", {"label": ["Say where the key is used, in 1 to 120 characters."]})
    prefix = secrets.token_hex(4)
    plain = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    key = IntegrationKey(integration_id=integration.id, label=label, prefix=prefix, key_digest=digest(plain),
                         created_by_id=by.id if by else None)
    session.add(key)
    session.commit()
    return key, plain


def revoke_key(session: so.Session, key_id: int, by: User | None) -> IntegrationKey:
    """The key is refused from now on (401); revoking it again changes nothing. Owns the transaction."""
    begin_write(session)
    key = session.get(IntegrationKey, key_id)
    if key is None:
        session.rollback()
        raise NotFound(f"No integration key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by_id = utcnow(), by.id if by else None
    session.commit()
    return key


def set_disabled(session: so.Session, integration_id: int, disabled: bool, by: User | None) -> Integration:
    """Refuse (or accept again) every key of the integration, keeping them. Owns the transaction."""
    begin_write(session)
    integration = _integration(session, integration_id)
    if disabled and integration.disabled_at is None:
        integration.disabled_at, integration.disabled_by_id = utcnow(), by.id if by else None
    elif not disabled:
        integration.disabled_at = integration.disabled_by_id = None
    session.commit()
    return integration


def set_webhook(session: so.Session, integration_id: int, url: str | None, secret: str | None, *,
                allow_loopback: bool = False) -> Integration:
    """Where the integration's feed events are posted (None: nowhere), and the secret they are signed with;
    the URL is checked as a customer's webhook is (server/notify/webhook_targets.py). Owns the transaction."""
    begin_write(session)
    integration = _integration(session, integration_id)
    url = (url or "").strip() or None
    errors = {}
    if url is not None:
        try:
            check_target(url, allow_loopback=allow_loopback)
        except RefusedTarget as err:
            errors["url"] = [str(err)]
        except OSError:
            errors["url"] = ["The webhook's host name cannot be found."]
        if not secret:
            errors["secret"] = ["A webhook needs a secret to sign its deliveries with."]
    if errors:
        session.rollback()
        raise Invalid("The webhook cannot be set.", errors)
    integration.webhook_url, integration.webhook_secret = url, (secret if url else None)
    session.commit()
    return integration


def integrations(session: so.Session) -> list[Integration]:
    """Every integration with its keys, by name."""
    return list(session.scalars(sa.select(Integration).options(so.selectinload(Integration.keys),
                                                               so.joinedload(Integration.user))
                                .order_by(Integration.name)))


def _integration(session: so.Session, integration_id: int) -> Integration:
    integration = session.get(Integration, integration_id)
    if integration is None:
        session.rollback()
        raise NotFound(f"No integration {integration_id}.")
    return integration


def live_key(session: so.Session, plain: str) -> IntegrationKey | None:
    """The key with this text, with its integration and user loaded, or None if no key has it. Unauthorized for
    a revoked key or a disabled integration (or one whose account was disabled or given another role on the
    records pages)."""
    key = session.scalar(sa.select(IntegrationKey).where(IntegrationKey.key_digest == digest(plain))
                         .options(so.joinedload(IntegrationKey.integration).joinedload(Integration.user)))
    if key is None:
        return None
    if key.revoked:
        raise Unauthorized("This integration key has been revoked.")
    user = key.integration.user
    if key.integration.disabled or not user.active or user.role != Role.INTEGRATION:
        raise Unauthorized("This integration is disabled.")
    return key


def count_use(session: so.Session, key_id: int, rate_per_minute: int) -> None:
    """Count a request against the key's rate limit and note when the key was last used; TooManyAttempts (429,
    with Retry-After) once the key has made `rate_per_minute` requests in the current minute.

    Owns its own short transaction, committed before the view runs, so that every server process counts
    against the same limit. A refused request is not counted.
    """
    begin_write(session)
    now = utcnow()
    if _count_request(session, key_id, now) > rate_per_minute:
        session.rollback()
        retry_after = _seconds_left_in_window(now)
        raise TooManyAttempts(f"This key may make {rate_per_minute} requests a minute; try again in "
                              f"{retry_after} s.", headers={"Retry-After": str(retry_after)})
    session.commit()


def _window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _seconds_left_in_window(now: datetime) -> int:
    end = _window_start(now) + timedelta(seconds=RATE_WINDOW_SECONDS)
    return max(1, math.ceil((end - now).total_seconds()))


def _count_request(session: so.Session, key_id: int, now: datetime) -> int:
    """This request's number in the key's current window, counted by one UPDATE so that concurrent requests of
    several processes each get their own number; the same UPDATE notes when the key was last used."""
    window = _window_start(now)
    opened = session.execute(
        sa.update(IntegrationKey)
        .where(IntegrationKey.id == key_id,
               sa.or_(IntegrationKey.rate_window_start.is_(None), IntegrationKey.rate_window_start != window))
        .values(rate_window_start=window, rate_window_requests=1, last_used_at=now)
    ).rowcount
    if opened:
        return 1
    session.execute(sa.update(IntegrationKey).where(IntegrationKey.id == key_id)
                    .values(rate_window_requests=IntegrationKey.rate_window_requests + 1, last_used_at=now))
    return session.scalar(sa.select(IntegrationKey.rate_window_requests).where(IntegrationKey.id == key_id))
