"""A phone for tests: the field app without its screens, on a real server.

Its store in a file of the test's choosing, its API client, account and sync
engine, exactly as the app builds them; only the back-off is short, so that a
test does not wait minutes for a retry.
"""

from dataclasses import dataclass
from typing import Callable

from mobile.account import Account
from mobile.api_client import ApiClient, ResyncRequired
from mobile.store import Store
from mobile.sync import Backoff, SyncEngine


@dataclass
class Phone:
    store: Store
    client: ApiClient
    account: Account
    engine: SyncEngine

    def close(self) -> None:
        self.engine.stop()
        self.client.close()
        self.store.close()


def open_phone(path, url: str, *, timeout_s: tuple[float, float] = (2, 10), **engine_options) -> Phone:
    store = Store(path)
    client = ApiClient(url, store.device_id, timeout_s=timeout_s)
    account = Account(store, client, device_label="test phone")
    options = {"backoff": Backoff(base_s=0.05, cap_s=0.3), **engine_options}
    return Phone(store, client, account, SyncEngine(store, client, account, **options))


def record_resyncs(phone: Phone, on_refusal: Callable[[], None] | None = None) -> list[ResyncRequired]:
    """From now on, keep every 409 the phone's pulls get (the engine handles them as usual).

    `on_refusal` runs at the first 409, before the engine reacts to it: the
    engineer saving entries just as the phone is told to re-sync.
    """
    real_pull, refusals = phone.client.pull, []

    def pull(cursor, limit=None):
        try:
            return real_pull(cursor, limit)
        except ResyncRequired as err:
            refusals.append(err)
            if on_refusal is not None and len(refusals) == 1:
                on_refusal()
            raise

    phone.client.pull = pull
    return refusals
