"""Child of the crash test: saves entries, and records answers for some, until it is killed.

Prints ``saved <id>`` once the store has returned for an entry, and
``answered <id>`` once an answer is recorded; the parent kills it with
SIGKILL at a random moment and compares these lines with the database.
"""

import random
import sys

from mobile import entries
from mobile.store import Store

JOB = 120


def main(path: str, seed: int) -> None:
    store = Store(path)
    rng = random.Random(seed)
    print("ready", flush=True)
    while True:
        if rng.random() < 0.25:
            waiting = store.waiting(limit=rng.randint(1, 4))
            store.record_answers([{"id": e.id, "seq": e.seq, "status": rng.choice(["accepted", "rejected"])}
                                  for e in waiting])
            for entry in waiting:
                print(f"answered {entry.id}", flush=True)
        else:
            [entry] = entries.log(store, [entries.removal(JOB, "PRN-RLR-KIT", None, "working")], "amy")
            print(f"saved {entry.id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
