"""A fake source system (the company's ERP or field-service system) on loopback, speaking Fieldloop's
integration API over real HTTP: it pushes its records, reads the outbound feed and uploads balance files.

It behaves like a careful real client on a bad network: a request whose answer
never came is sent again (the API is idempotent, so that is safe), and the feed
reader keeps its cursor only every few pages, as a consumer that crashes and
restarts from its last saved cursor would; it de-duplicates by event id.
"""

from collections import Counter
from dataclasses import dataclass, field

import requests

RECORDS_PATH = "/api/v1/integration/records"
FEED_PATH = "/api/v1/integration/feed"
RECONCILIATIONS_PATH = "/api/v1/integration/reconciliations"
#: What a request lost on the way looks like to the client.
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
MAX_ATTEMPTS = 30


class FakeSource:
    """The source system's HTTP client, holding one integration key."""

    def __init__(self, url: str, key: str, timeout_s: tuple[float, float] = (1.0, 2.0)):
        self.url, self.key, self.timeout_s = url, key, timeout_s
        #: Requests sent again because their answer was lost.
        self.resent = 0

    def once(self, method: str, path: str, **options) -> requests.Response:
        """One attempt, on a fresh connection (a dropped connection never poisons the next request)."""
        headers = {"Authorization": f"Bearer {self.key}", "Connection": "close", **options.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=self.timeout_s, **options)

    def call(self, method: str, path: str, **options) -> requests.Response:
        """The request, sent again until an answer arrives."""
        for _ in range(MAX_ATTEMPTS):
            try:
                return self.once(method, path, **options)
            except NETWORK_ERRORS:
                self.resent += 1
        raise AssertionError(f"{method} {path}: no answer after {MAX_ATTEMPTS} attempts")

    def push(self, records: list[dict]) -> list[dict]:
        """Send one batch of records; the per-record results, in order."""
        r = self.call("POST", RECORDS_PATH, json={"records": records})
        assert r.status_code == 200, (r.status_code, r.text)
        results = r.json()["results"]
        assert [(x["kind"], x["external_id"]) for x in results] == [(x["kind"], x["external_id"]) for x in records]
        return results

    def push_until_applied(self, batches: list[list[dict]], rounds: int = 4) -> "PushLog":
        """Send the batches; resend whatever was rejected for a reference not yet received, until nothing is."""
        log = PushLog()
        for batch in batches:
            log.add(batch, self.push(batch))
        for _ in range(rounds):
            if not log.waiting:
                break
            retry, log.waiting = log.waiting, []
            log.add(retry, self.push(retry))
        return log

    def reconcile(self, as_of: str, csv_text: str) -> requests.Response:
        files = {"file": ("balances.csv", csv_text.encode(), "text/csv")}
        return self.call("POST", RECONCILIATIONS_PATH, data={"as_of": as_of}, files=files)


@dataclass
class PushLog:
    """Every answer the source got, per record (kind, external_id), in the order it got them."""

    answers: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    #: Records rejected (for now) that the source will send again.
    waiting: list[dict] = field(default_factory=list)

    def add(self, records: list[dict], results: list[dict]) -> None:
        for record, result in zip(records, results):
            self.answers.setdefault((record["kind"], record["external_id"]), []).append(result)
            if result["result"] == "rejected":
                self.waiting.append(record)

    def outcomes(self, kind: str, external_id: str) -> list[str]:
        return [a["result"] for a in self.answers[(kind, external_id)]]


class FeedReader:
    """A feed consumer that saves its cursor every `save_every` pages and, when a read fails, starts again from
    the cursor it saved (so it is handed some events twice); it keeps each event once, by id."""

    def __init__(self, source: FakeSource, cursor: str | None = None, limit: int = 4, save_every: int = 2):
        self.source, self.limit, self.save_every = source, limit, save_every
        self.cursor = self.saved_cursor = cursor
        #: Each event by id, as first received, in order of first arrival.
        self.events: dict[str, dict] = {}
        #: How many times each event id was handed over.
        self.arrivals: Counter[str] = Counter()
        self.pages = 0
        self.failed_reads = 0

    def read_to_end(self, max_reads: int = 500) -> list[dict]:
        """Read until the feed says there is no more; the events new to this reader, in feed order."""
        new = []
        for _ in range(max_reads):
            try:
                r = self.source.once("GET", FEED_PATH, params=self._params())
                body = r.json() if r.status_code == 200 else None
            except (*NETWORK_ERRORS, ValueError):
                body = None
            if body is None:
                self.failed_reads += 1
                self.cursor = self.saved_cursor  # the consumer "restarts" from what it saved
                continue
            new += self._take(body["events"])
            self.cursor = body["cursor"]
            self.pages += 1
            if not body["has_more"]:
                self.saved_cursor = self.cursor
                return new
            if self.pages % self.save_every == 0:
                self.saved_cursor = self.cursor
        raise AssertionError(f"the feed did not end within {max_reads} reads")

    def _params(self) -> dict:
        return {"limit": self.limit, **({"cursor": self.cursor} if self.cursor else {})}

    def _take(self, events: list[dict]) -> list[dict]:
        new = []
        for event in events:
            self.arrivals[event["id"]] += 1
            if event["id"] in self.events:
                assert self.events[event["id"]] == event, f"event {event['id']} changed between deliveries"
            else:
                self.events[event["id"]] = event
                new.append(event)
        return new


def undocumented(spec: dict, events: list[dict]) -> list[str]:
    """What in `events` their own components of the OpenAPI document (Feed<Type>DataV<n>, Feed<Type>RefsV<n>) do
    not allow: how a consumer checks that it reads each event by the schema of its type and version."""
    from jsonschema_rs import Draft7Validator  # what schemathesis validates with

    components = _nullable_as_json_schema(spec["components"]["schemas"])
    problems = []
    for event in events:
        name = "Feed" + "".join(word.title() for word in event["type"].replace(".", "_").split("_"))
        for part in ("data", "refs"):
            component = f"{name}{part.title()}V{event['schema_version']}"
            if component not in components:
                problems.append(f"{event['type']}: no component {component}")
                continue
            for error in Draft7Validator(components[component]).iter_errors(event[part]):
                problems.append(f"{event['type']} {part}: {error.message}")
    return problems


def _nullable_as_json_schema(schema):
    """OpenAPI 3.0's ``nullable: true`` said the JSON Schema way (the type or null)."""
    if isinstance(schema, list):
        return [_nullable_as_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _nullable_as_json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") and "type" in schema:
        out["type"] = [schema["type"], "null"]
    return out
