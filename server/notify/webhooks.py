"""Signed JSON webhooks to integrating customers and 3PLs.

The signature is an HMAC-SHA256 of ``"<timestamp>." + body`` sent as
``X-Fieldloop-Signature: t=<timestamp>,v1=<hex>``; receivers check it with
`verify` (or the snippet in docs/notifications.md) before trusting the body.

A delivery goes only where server/notify/webhook_targets.py allows, to the address it
checked; its errors say what happened in Fieldloop's words, never the receiver's.
"""

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

import requests
from requests.adapters import HTTPAdapter

from server.notify.transports import TransportError
from server.notify.webhook_targets import RefusedTarget, check_target

SIGNATURE_HEADER = "X-Fieldloop-Signature"
EVENT_HEADER = "X-Fieldloop-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300
DEFAULT_WEBHOOK_TIMEOUT_S = 10.0
USER_AGENT = "Fieldloop-Webhooks/1"

# A receiver that answers these is busy, not refusing: try again later.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The value of the ``X-Fieldloop-Signature`` header for `body` sent at `timestamp`."""
    return f"t={int(timestamp)},{SIGNATURE_VERSION}={_digest(body, secret, int(timestamp))}"


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = int(value)
        elif key == SIGNATURE_VERSION:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise ValueError("signature header lacks t= or v1=")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str,
    secret: str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """True if `header` signs exactly `body` with `secret`, within `tolerance_s` of `now`."""
    try:
        timestamp, signatures = _parse_header(header or "")
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = _digest(body, secret, timestamp)
    # Several v1 values are allowed so that a secret can be rotated without a gap.
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def envelope(event_type: str, payload: dict, idempotency_key: str, created: datetime,
             extra: dict | None = None) -> dict:
    """The JSON document a webhook carries; `extra` adds fields of its own kind (a feed event's refs)."""
    return {
        "id": idempotency_key,
        "type": event_type,
        "created": created.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "data": payload,
        **(extra or {}),
    }


def _retry_after_s(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None


class _PinnedTls(HTTPAdapter):
    """Connects to the checked address but verifies the certificate for the URL's host name."""

    def __init__(self, host: str):
        self._host = host
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(server_hostname=self._host, assert_hostname=self._host)
        super().init_poolmanager(*args, **kwargs)


def post_webhook(
    url: str,
    event_type: str,
    payload: dict,
    secret: str,
    idempotency_key: str,
    timeout: float = DEFAULT_WEBHOOK_TIMEOUT_S,
    *,
    created: datetime | None = None,
    allow_loopback: bool = False,
    extra: dict | None = None,
) -> None:
    """POST a signed event to `url`, or raise `TransportError`.

    `created` is when the event happened; pass the stored time so that a retry
    carries the same document (only the signature's timestamp is fresh).
    `allow_loopback` lets it go to this machine (development and tests only).
    `extra` adds fields to the document (see `envelope`).
    """
    try:
        target = check_target(url, allow_loopback=allow_loopback)
    except RefusedTarget as err:
        raise TransportError(str(err), permanent=True) from err
    except OSError as err:
        raise TransportError("The webhook's host name could not be resolved.", permanent=False) from err
    created = created or datetime.now(timezone.utc)
    body = json.dumps(envelope(event_type, payload, idempotency_key, created, extra), separators=(",", ":")).encode()
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(body, secret, int(time.time())),
        EVENT_HEADER: event_type,
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    with requests.Session() as http:
        http.trust_env = False  # a proxy from the environment would resolve the host again
        http.mount("https://", _PinnedTls(target.host))
        try:
            # A redirected POST would silently become a GET: treat a redirect as an answer.
            response = http.post(target.pinned_url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        except (requests.Timeout, requests.ConnectionError) as err:
            raise TransportError("The webhook receiver did not answer.", permanent=False) from err
        except requests.RequestException as err:
            raise TransportError("The webhook could not be sent.", permanent=True) from err
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"The webhook receiver answered HTTP {status}."
    if status >= 500 or status in _RETRYABLE_CLIENT_ERRORS:
        raise TransportError(reason, permanent=False, code=status, retry_after_s=_retry_after_s(response))
    if 300 <= status < 400:
        reason += " Redirects are not followed: update the endpoint URL."
    raise TransportError(reason, permanent=True, code=status)
