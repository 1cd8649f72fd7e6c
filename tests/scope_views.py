"""An engineer's synced records as a phone caches them, and as a fresh full pull from the server returns them.

Both sides become a ``ScopeView``: the records by (entity, id), with counts per
entity and a SHA-256 over the sorted (entity, id, canonical JSON) lines, so a
test can say "this phone converged to the server" in one comparison, and show
what differs when it did not.
"""

import hashlib
import json
import time
import uuid
from dataclasses import dataclass

from common.enums import SyncEntity
from mobile.store import Store
from phones import Phone as ProtocolPhone


@dataclass(frozen=True)
class ScopeView:
    records: dict[tuple[str, str], dict]

    @property
    def counts(self) -> dict[str, int]:
        counts = {str(entity): 0 for entity in SyncEntity}
        for entity, _ in self.records:
            counts[entity] += 1
        return counts

    @property
    def digest(self) -> str:
        lines = sorted(f"{entity}\t{key}\t{_canonical(data)}" for (entity, key), data in self.records.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def differences(self, other: "ScopeView", limit: int = 5) -> str:
        """What differs from `other`, in a few lines (for an assertion message)."""
        only_here = sorted(set(self.records) - set(other.records))
        only_there = sorted(set(other.records) - set(self.records))
        changed = sorted(k for k in set(self.records) & set(other.records)
                         if _canonical(self.records[k]) != _canonical(other.records[k]))
        lines = [f"only on this side: {only_here[:limit]} ({len(only_here)})",
                 f"only on the other: {only_there[:limit]} ({len(only_there)})",
                 f"different: {changed[:limit]} ({len(changed)})"]
        for key in changed[:2]:
            lines.append(f"  {key}: {_canonical(self.records[key])}\n  vs {_canonical(other.records[key])}")
        return "\n".join(lines)


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def phone_view(store: Store) -> ScopeView:
    """The records in the phone's cache."""
    records = {}
    for entity in SyncEntity:
        for data in store.records(entity):
            records[(str(entity), str(data["id"]))] = data
    return ScopeView(records)


def server_view(base_url: str, username: str, password: str) -> ScopeView:
    """What a fresh full pull gives `username` now, signed in on a device of its own."""
    puller = ProtocolPhone(base_url=base_url, device_id=f"scope-check-{uuid.uuid4().hex[:12]}")
    answer = puller.sign_in(username, password)
    assert answer.status == 200, answer.json
    puller.sync_down()
    return ScopeView({(str(entity), str(key)): data for (entity, key), data in puller.cache.items()})


def converge(phone, base_url: str, username: str, password: str, timeout_s: float = 30.0
             ) -> tuple[ScopeView, ScopeView, int]:
    """Sync the phone (tests/field_phones.py) until its cache equals a fresh full pull, or `timeout_s` passes.

    A pull serves the changes its snapshot sees; one committed while the
    phone's last page was being read (by the server's own late work, or a
    check's sign-in) comes with the next. Convergence is therefore checked as
    "after at most a few more syncs, once nothing changes". Returns the
    phone's view, the server's, and how many syncs it took.
    """
    deadline = time.monotonic() + timeout_s
    syncs = 0
    while True:
        phone.engine.sync_once()
        syncs += 1
        on_phone, on_server = phone_view(phone.store), server_view(base_url, username, password)
        if on_phone.digest == on_server.digest or time.monotonic() > deadline:
            return on_phone, on_server, syncs
        time.sleep(0.2)


def assert_converged(phone, base_url: str, username: str, password: str) -> None:
    """The phone's cache comes to hold exactly what a fresh full pull gives its engineer."""
    on_phone, on_server, _ = converge(phone, base_url, username, password)
    assert on_phone.counts == on_server.counts, (on_phone.counts, on_server.counts)
    assert on_phone.digest == on_server.digest, on_phone.differences(on_server)
