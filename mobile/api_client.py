"""The one module that talks HTTP to the Fieldloop server (docs/sync-protocol.md).

Each call has a timeout; each answer the protocol gives a meaning to becomes
its own exception, so the sync engine decides what to do by type.
"""

from datetime import datetime, timezone

import requests

from common.protocol import PROTOCOL_VERSION

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
PROBE_TIMEOUT_S = 3


class ApiError(Exception):
    """The server answered with an error, or did not answer."""

    def __init__(self, message: str, status: int | None = None, errors: dict | None = None,
                 retry_after_s: float | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or {}
        self.retry_after_s = retry_after_s


class Offline(ApiError):
    """No answer: no network, server down, or the request timed out. Nothing is known to have failed."""


class SignInRequired(ApiError):
    """401: no token, an expired or revoked one, or a wrong password."""


class NotAllowed(ApiError):
    """403 or 404: signed in, but this user or device may not do this."""


class DeviceRevoked(NotAllowed):
    """403 at sign-in, about the device_id: a dispatcher or admin revoked this phone; an admin can re-enable it."""


class DeviceClaimed(ApiError):
    """409 at sign-in: this device id is registered, and the sign-in did not carry its device secret."""


class ResyncRequired(ApiError):
    """409: the pull cursor is too old or from another server epoch."""


class BatchTooLarge(ApiError):
    """413: too many events or bytes in one push."""


class UpdateRequired(ApiError):
    """426: the server does not speak this app's protocol version."""


class TryLater(ApiError):
    """429, 503 or another server failure: wait, then retry; nothing was written."""


class AppBug(ApiError):
    """400 or 422: the server could not read what the app sent."""


_BY_STATUS = {401: SignInRequired, 403: NotAllowed, 404: NotAllowed, 409: ResyncRequired, 413: BatchTooLarge,
              426: UpdateRequired, 429: TryLater, 400: AppBug, 422: AppBug}


class ApiClient:
    def __init__(self, base_url: str, device_id: str, *, token: str | None = None,
                 timeout_s: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)):
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.token = token
        self.timeout_s = timeout_s
        self._http = requests.Session()

    def sign_in(self, username: str, password: str, device_label: str | None = None, *,
                device_secret: str | None = None, last_seq: int | None = None) -> dict:
        """A new token; the answer carries `device_secret` when the server issues one (keep it)."""
        # device_secret is sent even when None: it tells the server that this app keeps the secret it issues.
        body = {"username": username, "password": password, "device_id": self.device_id,
                "device_secret": device_secret}
        if device_label:
            body["device_label"] = device_label[:120]
        if last_seq is not None:
            body["last_seq"] = last_seq
        try:
            answer = self._call("POST", "/api/v1/auth/token", json=body, authenticated=False,
                                refusals={409: DeviceClaimed})
        except NotAllowed as err:
            if "device_id" in err.errors:
                raise DeviceRevoked(err.message, err.status, err.errors) from None
            raise
        self.token = answer["access_token"]
        return answer

    def push(self, events: list[dict]) -> dict:
        body = {"protocol_version": PROTOCOL_VERSION, "device_id": self.device_id,
                "sent_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "events": events}
        return self._call("POST", "/api/v1/sync/push", json=body)

    def pull(self, cursor: str | None, limit: int | None = None) -> dict:
        params = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        return self._call("GET", "/api/v1/sync/pull", params=params)

    def probe(self) -> bool:
        """True when the server answers at all (any status): the network is back."""
        try:
            self._http.get(self.base_url + "/api/v1/me", timeout=PROBE_TIMEOUT_S)
        except requests.RequestException:
            return False
        return True

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, *, authenticated: bool = True, refusals: dict | None = None,
              **kwargs) -> dict:
        headers = {}
        if authenticated:
            if not self.token:
                raise SignInRequired("Sign in to sync.", 401)
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._http.request(method, self.base_url + path, headers=headers, timeout=self.timeout_s,
                                          **kwargs)
        except requests.RequestException as err:
            raise Offline(f"The server could not be reached ({type(err).__name__}).") from err
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict):
            return body
        raise _error(response.status_code, body, response.headers.get("Retry-After"), {**_BY_STATUS, **(refusals or {})})


def _error(status: int, body, retry_after: str | None, by_status: dict) -> ApiError:
    if not isinstance(body, dict) and status not in by_status:
        # Something answered, but not the Fieldloop server: a Wi-Fi sign-in page, a proxy's error page.
        return Offline(f"The network answered {status} without reaching the Fieldloop server.", status)
    body = body if isinstance(body, dict) else {}
    message = body.get("message") or f"The server answered {status}."
    kind = by_status.get(status, TryLater if status >= 500 else AppBug)
    try:
        retry_after_s = float(retry_after) if retry_after else None
    except ValueError:
        retry_after_s = None
    return kind(message, status, body.get("errors"), retry_after_s)
