"""Signed customer links: a site contact opens their pickup page without an account.

The token carries the pickup, the contact it was sent to and an explicit expiry,
signed with the app's secret key under a salt used for nothing else, so a token
minted for another purpose (or another pickup) never reads as a pickup link.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

from itsdangerous import BadData, URLSafeSerializer

PICKUP_LINK_SALT = "fieldloop.pickup-link.v1"


@dataclass(frozen=True)
class PickupClaims:
    pickup_id: int | str
    contact_email: str
    expires_at: datetime  # UTC


class InvalidLink(Exception):
    """The token was altered, cut short, signed with another key or is for another pickup."""


class ExpiredLink(InvalidLink):
    """The token is genuine but past its expiry; `claims` says whose it was."""

    def __init__(self, message: str, claims: PickupClaims):
        super().__init__(message)
        self.claims = claims


def _serializer(secret_key: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=PICKUP_LINK_SALT)


def make_pickup_token(
    secret_key: str | bytes, pickup_id: int | str, contact_email: str, expires_at: datetime
) -> str:
    """A URL-safe token for `pickup_id`, addressed to `contact_email`, valid until `expires_at`."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware.")
    payload = {"p": pickup_id, "e": contact_email, "x": int(expires_at.timestamp())}
    return _serializer(secret_key).dumps(payload)


def read_pickup_token(
    secret_key: str | bytes,
    token: str,
    now: datetime | None = None,
    *,
    pickup_id: int | str | None = None,
) -> PickupClaims:
    """The claims of a genuine, unexpired token.

    Give `pickup_id` when the URL names the pickup separately from the token: a
    token for another pickup is then refused as invalid.
    """
    try:
        payload = _serializer(secret_key).loads(token)
        claims = PickupClaims(
            pickup_id=payload["p"],
            contact_email=payload["e"],
            expires_at=datetime.fromtimestamp(payload["x"], tz=timezone.utc),
        )
    except (BadData, KeyError, TypeError, ValueError, OverflowError, OSError) as err:
        raise InvalidLink(
            "This pickup link is not valid: it may have been copied incompletely or changed. "
            "Please use the link from your most recent email."
        ) from err
    if pickup_id is not None and str(claims.pickup_id) != str(pickup_id):
        raise InvalidLink("This link belongs to a different pickup.")
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware.")
    if now >= claims.expires_at:
        raise ExpiredLink(
            f"This pickup link expired on {claims.expires_at:%d %B %Y at %H:%M} UTC. "
            "Please contact us for a new one.",
            claims,
        )
    return claims
