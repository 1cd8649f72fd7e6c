"""A phone as a process of its own, for the randomized fault runs: the app without screens, killed at will.

It opens a store a test has signed in, starts the sync engine's thread, logs
entries as the app does (each checked, saved, then a sync asked for), now and
then hands a carried line over at a facility, and then waits for the outbox to
empty or its deadline to pass. It prints ``saved <id>`` once the store has
returned for an entry; the parent may SIGKILL it at any moment.

    python tests/phone_child.py STORE JOB_ID FACILITY_ID COUNT FIRST_SERIAL SEED DEADLINE_S
"""

import random
import sys
import time

from mobile import entries, workday
from mobile.account import Account
from mobile.api_client import ApiClient
from mobile.store import Store
from mobile.sync import Backoff, SyncEngine, SyncState

#: Short, so that a delayed answer costs the run little; the link holds answers longer than this.
TIMEOUT_S = (1.0, 2.0)
HAND_OVER_SHARE = 0.15


def main(path: str, job_id: int, facility_id: int, count: int, first_serial: int, seed: int, deadline_s: float) -> int:
    rng = random.Random(seed)
    deadline = time.monotonic() + deadline_s
    store = Store(path)
    client = ApiClient(store.setting("server_url"), store.device_id, timeout_s=TIMEOUT_S)
    account = Account(store, client)
    engine = SyncEngine(store, client, account, batch_size=rng.choice([10, 25, 100]), pull_limit=50,
                        backoff=Backoff(base_s=0.05, cap_s=0.5, rng=random.Random(seed)), periodic_s=1.0)
    engine.start()
    print("ready", flush=True)
    for i in range(count):
        carried = [line for line in workday.carried_lines(store) if line.state != "handing_over"]
        if carried and rng.random() < HAND_OVER_SHARE:
            draft = entries.hand_over(rng.choice(carried).id, facility_id)
        else:
            serial = f"AR{first_serial + i:08d}"
            draft = rng.choice([
                entries.removal(job_id, "PRN-FUS-220", serial, "faulty", "electrical"),
                entries.installation(job_id, "PRN-FUS-220", serial),
                entries.removal(job_id, "PRN-RLR-KIT", None, "working"),
            ])
        [entry] = entries.log(store, [draft], store.setting("username"))
        print(f"saved {entry.id}", flush=True)
        engine.request_sync()
        time.sleep(rng.uniform(0.01, 0.08))  # an engineer is slower than a loop
    while time.monotonic() < deadline:
        if store.waiting_count() == 0 and engine.status.state == SyncState.IDLE:
            print("synced", flush=True)
            break
        time.sleep(0.05)
    engine.stop()
    store.close()
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]), int(args[5]), float(args[6])))
