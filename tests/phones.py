"""A minimal stand-in for a field device, speaking the sync protocol over HTTP.

Works over Flask's test client or, given a base URL, over real HTTP. It keeps
no outbox of its own: tests decide what is sent when.
"""

import uuid

import requests

from common.protocol import PROTOCOL_VERSION
from factories import PASSWORD, event


class Response:
    def __init__(self, status: int, body, headers):
        self.status = status
        self.json = body
        self.headers = headers


class Phone:
    def __init__(self, client=None, base_url: str | None = None, device_id: str | None = None):
        self.client = client
        self.base_url = base_url
        self.device_id = device_id or f"device-{uuid.uuid4().hex[:12]}"
        self.token: str | None = None
        #: The device secret the server issued at this phone's first sign-in.
        self.device_secret: str | None = None
        self.seq = 0
        self.cursor: str | None = None
        self.cache: dict[tuple[str, str], dict] = {}

    # --- transport -----------------------------------------------------------

    def request(self, method: str, path: str, json=None, params=None, token: str | None = None) -> Response:
        headers = {}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        if self.client is not None:
            r = self.client.open(path, method=method, json=json, query_string=params, headers=headers)
            return Response(r.status_code, r.get_json(silent=True), r.headers)
        r = requests.request(method, self.base_url + path, json=json, params=params, headers=headers, timeout=30)
        try:
            body = r.json()
        except ValueError:
            body = None
        return Response(r.status_code, body, r.headers)

    # --- protocol ------------------------------------------------------------

    def sign_in(self, username: str, password: str = PASSWORD, **fields) -> Response:
        """Sign in with this phone's device id and secret (`fields` add to or replace what is sent)."""
        body = {"username": username, "password": password, "device_id": self.device_id,
                "device_secret": self.device_secret, **fields}
        r = self.request("POST", "/api/v1/auth/token", json=body)
        if r.status == 200:
            self.token = r.json["access_token"]
            self.device_secret = r.json.get("device_secret", self.device_secret)
        return r

    def new_event(self, kind: str, job_id: int | None = None, **payload) -> dict:
        self.seq += 1
        return event(kind, self.seq, job_id, **payload)

    def push(self, events: list[dict], **envelope) -> Response:
        body = {"protocol_version": PROTOCOL_VERSION, "device_id": self.device_id, "events": events}
        body.update(envelope)
        return self.request("POST", "/api/v1/sync/push", json=body)

    def pull(self, cursor: str | None = None, limit: int | None = None) -> Response:
        params = {}
        if cursor:
            params["cursor"] = cursor
        if limit:
            params["limit"] = limit
        return self.request("GET", "/api/v1/sync/pull", params=params)

    def sync_down(self, limit: int | None = None) -> list[dict]:
        """Pull until caught up, applying changes to the cache; return every change seen."""
        seen = []
        while True:
            r = self.pull(self.cursor, limit)
            assert r.status == 200, r.json
            if r.json["full_resync"] and self.cursor is None:
                self.cache.clear()
            for change in r.json["changes"]:
                key = (change["entity"], change["id"])
                if change["op"] == "upsert":
                    self.cache[key] = change["data"]
                else:
                    self.cache.pop(key, None)
            seen.extend(r.json["changes"])
            self.cursor = r.json["cursor"]
            if not r.json["has_more"]:
                return seen

    def cached(self, entity: str) -> dict[str, dict]:
        return {key: data for (e, key), data in self.cache.items() if e == entity}
