"""The server process killed (SIGKILL) in the middle of push batches, then restarted: the phone's retries
leave every entry stored exactly once, with all its effects.

The server runs in a child process on the test's database (SQLite file or
PostgreSQL). The phone reaches it through a FlakyLink that only watches:
it tells when a push is at the server and how long the server takes over
one, so the kills land at random moments across the storing of a batch of
500 entries — before, during and just after its commit — over several rounds.
"""

import random
import statistics
import time
import uuid

from mobile.sync import SyncState
from mobile_workload import queue_entries, server_events
from server_ledger import count_by_id, device_sequence, half_written
from waiting import wait_for

ENTRIES = 3000
BATCH = 500
ROUNDS = 5
SEED = 20261125


def test_a_server_killed_mid_push_and_restarted_stores_every_entry_exactly_once(server_process, links, phone_at,
                                                                                world, session):
    rng = random.Random(SEED)
    link = links(server_process.port)
    phone = phone_at(url=link.url, batch_size=BATCH)
    assert phone.engine.sync_once().state == SyncState.IDLE
    logged = queue_entries(phone.store, world.amy_job.id, ENTRIES)

    # First the worst moment: the batch is stored, its answer is lost, and the server dies.
    link.lose_answers(1)
    phone.engine.start()
    assert wait_for(lambda: link.answers_lost == 1, 60)
    server_process.kill()
    time.sleep(0.2)
    server_process.start()

    kills_during_a_push = 0
    for _ in range(ROUNDS):
        if not link.push_at_server.wait(60):
            break  # the outbox emptied first
        time.sleep(rng.uniform(0.05, 1.1) * statistics.median(link.push_seconds))
        kills_during_a_push += link.push_at_server.is_set()
        server_process.kill()
        time.sleep(rng.uniform(0.0, 0.3))
        server_process.start()

    assert wait_for(lambda: phone.store.waiting_count() == 0 and phone.engine.status.state == SyncState.IDLE, 180), \
        (phone.engine.status, server_process.log_tail())
    phone.engine.stop()

    assert kills_during_a_push >= 2, "the kills should land while a batch is at the server"
    assert server_process.kills == 1 + ROUNDS
    answered = phone.store.entries()
    assert {e.state for e in answered} == {"accepted"} and phone.store.problems() == []
    assert [e.id for e in answered] == [e.id for e in logged]
    counts = count_by_id(session, [e.id for e in logged])
    assert [i for i, n in counts.items() if n != 1] == [], "every entry is stored exactly once"
    stored = server_events(session, phone.store.device_id)
    assert [(e.id, e.seq) for e in stored] == [(uuid.UUID(x.id), x.seq) for x in logged]
    sequence = device_sequence(session, phone.store.device_id)
    assert (sequence.highest_contiguous_seq, sequence.missing_seqs) == (ENTRIES, [])
    assert half_written(session) == []
