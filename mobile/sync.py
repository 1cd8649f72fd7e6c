"""The sync engine: push the outbox in batches, then pull until caught up, on a background thread.

A run is safe to interrupt anywhere: the store forgets an entry, or moves the
cursor, only in the transaction that records the server's answer, and the
server stores an event once by its id, so a retried push cannot duplicate.
Failures are retried with exponential back-off and jitter; while offline the
engine probes the server and syncs as soon as it answers. No Kivy here: the app
passes `on_status`, which is called on the sync thread.
"""

import json
import logging
import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

from common.protocol import DEFAULT_PULL_LIMIT, MAX_BATCH_EVENTS, MAX_REQUEST_BYTES
from mobile import api_client
from mobile.account import Account
from mobile.api_client import (
    ApiClient,
    ApiError,
    AppBug,
    BatchTooLarge,
    DeviceRevoked,
    NotAllowed,
    Offline,
    ResyncRequired,
    SignInRequired,
    TryLater,
    UpdateRequired,
)
from mobile.store import Store, utc_now

#: Room left in a push body for the envelope around the events.
PUSH_BYTES_BUDGET = MAX_REQUEST_BYTES - 16 * 1024
#: How often to pull new work when all is well.
PERIODIC_SYNC_S = 300
#: Re-syncs in one run before giving up (a server that keeps answering 409 is broken).
MAX_RESYNCS_PER_RUN = 2

log = logging.getLogger(__name__)


class SyncState(StrEnum):
    IDLE = "idle"  # the last run finished
    SYNCING = "syncing"
    OFFLINE = "offline"  # no answer from the server: probing
    RETRYING = "retrying"  # the server failed or is busy: backing off
    NEEDS_PASSWORD = "needs_password"  # the token expired and the password is not in memory
    UPDATE_REQUIRED = "update_required"  # 426: no more syncing until the app is updated
    REVOKED = "revoked"  # the phone was revoked: entries wait until an admin re-enables it; retried
    ERROR = "error"  # the server refused the request: shown to the engineer


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState
    message: str
    waiting: int
    problems: int
    last_sync_at: str | None


class NeedsPassword(Exception):
    pass


@dataclass
class Backoff:
    """Exponential back-off with "equal jitter": a delay between half and all of the current ceiling."""

    base_s: float = 2.0
    cap_s: float = 120.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self, at_least_s: float = 0.0) -> float:
        self.failures += 1
        ceiling = min(self.cap_s, self.base_s * 2 ** (self.failures - 1))
        return max(at_least_s, self.rng.uniform(ceiling / 2, ceiling))

    def reset(self) -> None:
        self.failures = 0


class SyncEngine:
    def __init__(self, store: Store, client: ApiClient, account: Account, *,
                 on_status: Callable[[SyncStatus], None] | None = None, batch_size: int = MAX_BATCH_EVENTS,
                 pull_limit: int = DEFAULT_PULL_LIMIT, backoff: Backoff | None = None,
                 periodic_s: float = PERIODIC_SYNC_S):
        self.store = store
        self.client = client
        self.account = account
        self.on_status = on_status or (lambda status: None)
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        self.backoff = backoff or Backoff()
        self.periodic_s = periodic_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._retry_after_s = 0.0
        if store.setting("update_required_protocol") != str(api_client.PROTOCOL_VERSION):
            store.set_settings(update_required_protocol=None, update_required_message=None)
        self.status = self._status(SyncState.IDLE, "")

    # --- one run --------------------------------------------------------------------

    def sync_once(self) -> SyncStatus:
        """Push every waiting entry, then pull until caught up. Never raises for a network or server failure."""
        blocked = self._blocked()
        if blocked is not None:
            return self._report(*blocked)
        with self.store.sync_lock:
            self._report(SyncState.SYNCING, "Syncing…")
            try:
                self._push_all()
                self._pull_all()
            except NeedsPassword:
                return self._report(SyncState.NEEDS_PASSWORD, "Your sign-in has expired: enter your password to sync.")
            except UpdateRequired as err:
                self.store.set_settings(update_required_protocol=str(api_client.PROTOCOL_VERSION),
                                        update_required_message=err.message)
                return self._report(*self._blocked())
            except Offline:
                return self._report(SyncState.OFFLINE, "No connection to the server. Entries are kept on the phone.")
            except TryLater as err:
                return self._report(SyncState.RETRYING, err.message, err.retry_after_s)
            except DeviceRevoked:
                return self._report(SyncState.REVOKED, revoked_words(self.store.waiting_count()))
            except (AppBug, NotAllowed, ApiError) as err:
                return self._report(SyncState.ERROR, err.message)
            except Exception as err:  # noqa: BLE001 - the sync thread must live on; everything is still saved
                log.exception("Sync run failed")
                return self._report(SyncState.ERROR, f"Sync failed ({type(err).__name__}); it will be retried.")
            self.store.set_settings(last_sync_at=utc_now())
            return self._report(SyncState.IDLE, "Up to date." if not self.store.waiting_count() else "")

    def _blocked(self) -> tuple[SyncState, str] | None:
        message = self.store.setting("update_required_message")
        if message is not None:
            return SyncState.UPDATE_REQUIRED, message  # the server's words: "… Please update the app."
        if not self.account.known:
            return SyncState.NEEDS_PASSWORD, "Sign in to sync."
        return None

    def _authorised(self, call, *args):
        try:
            return call(*args)
        except SignInRequired:
            if not self.account.renew():
                raise NeedsPassword() from None
            return call(*args)

    def _push_all(self) -> None:
        size = self.batch_size
        while True:
            batch = _within_bytes(self.store.waiting(limit=size))
            if not batch:
                return
            try:
                answer = self._authorised(self.client.push, [entry.as_event() for entry in batch])
            except BatchTooLarge:
                if len(batch) == 1:
                    raise AppBug("The server refuses even a single entry as too large.") from None
                size = max(1, len(batch) // 2)
                continue
            results = answer.get("results")
            if not isinstance(results, list) or not {str(r.get("id")) for r in results} & {e.id for e in batch}:
                raise AppBug("The server's answer to a push did not answer for its entries.")
            self.store.record_answers(results, highest_contiguous_seq=answer.get("highest_contiguous_seq"),
                                      missing_seqs=answer.get("missing_seqs"))
            self._report(SyncState.SYNCING, "Sending entries…")

    def _pull_all(self) -> None:
        resyncs = 0
        while True:
            cursor = self.store.cursor
            try:
                page = self._authorised(self.client.pull, cursor, self.pull_limit)
            except ResyncRequired:
                resyncs += 1
                if resyncs > MAX_RESYNCS_PER_RUN:
                    raise
                self.store.forget_cursor()
                continue
            _check_page(page)
            if not self.store.apply_pull_page(cursor, page):
                return  # another sync run moved the cursor on; it carries on from there
            if not page["has_more"]:
                return

    # --- the background thread ---------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="fieldloop-sync", daemon=True)
        self._thread.start()

    def request_sync(self) -> None:
        """Sync as soon as possible: "Sync now", the app resumed, or an entry was saved."""
        self._wake.set()

    def stop(self, timeout_s: float = 10) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        delay: float | None = 0
        while True:
            woken = self._wake.wait(delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            if self.status.state == SyncState.OFFLINE and not woken and not self.client.probe():
                delay = self.backoff.next_delay()
                continue
            status = self.sync_once()
            delay = self._delay_after(status)

    def _delay_after(self, status: SyncStatus) -> float | None:
        """Seconds until the next attempt; None to wait until asked."""
        if status.state == SyncState.IDLE:
            self.backoff.reset()
            return self.periodic_s
        if status.state in (SyncState.OFFLINE, SyncState.RETRYING, SyncState.ERROR, SyncState.REVOKED):
            return self.backoff.next_delay(self._retry_after_s)
        return None

    # --- status ----------------------------------------------------------------------

    def current_status(self) -> SyncStatus:
        """The last state with fresh counts: after an entry is saved or a problem dismissed."""
        self.status = self._status(self.status.state, self.status.message)
        return self.status

    def _report(self, state: SyncState, message: str, retry_after_s: float | None = None) -> SyncStatus:
        self._retry_after_s = retry_after_s or 0.0
        self.status = self._status(state, message)
        self.on_status(self.status)
        return self.status

    def _status(self, state: SyncState, message: str) -> SyncStatus:
        return SyncStatus(state, message, self.store.waiting_count(), self.store.problem_count(),
                          self.store.setting("last_sync_at"))


def revoked_words(waiting: int) -> str:
    """What a revoked phone tells its engineer."""
    kept = (f"The {waiting} entr{'y' if waiting == 1 else 'ies'} waiting on it {'is' if waiting == 1 else 'are'} "
            "kept here" if waiting else "Anything you log is kept here")
    return (f"This phone has been revoked by a dispatcher or admin, so it cannot sync. {kept} and will be sent as soon "
            "as an admin re-enables the phone. Ask your dispatcher, then tap Try again; the phone also tries "
            "by itself every few minutes.")


def _within_bytes(batch: list) -> list:
    """The longest head of the batch whose events fit in one request body."""
    size = 0
    for i, entry in enumerate(batch):
        size += len(json.dumps(entry.as_event()).encode()) + 2
        if size > PUSH_BYTES_BUDGET:
            return batch[: max(1, i)]
    return batch


def _check_page(page: dict) -> None:
    if not (isinstance(page.get("changes"), list) and isinstance(page.get("cursor"), str)
            and isinstance(page.get("has_more"), bool) and isinstance(page.get("full_resync"), bool)):
        raise AppBug("The server's answer to a pull could not be read.")
