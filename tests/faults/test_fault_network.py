"""A network that cuts requests half-sent and answers half-received, holds answers past the phone's timeout,
loses them, and delivers pushes twice: nothing is lost or duplicated, and the phone converges.

The phone reaches the server through a FlakyLink (tests/tcp_proxy.py): first
one fault of each kind, in turn, then faults drawn at random with a fixed
seed, while the dispatcher changes the engineer's jobs between syncs.
"""

from datetime import timedelta

import factories as make
from common.enums import EventType
from mobile.sync import SyncState
from mobile_workload import queue_entries
from scope_views import assert_converged, phone_view
from server.services.work import jobs
from server_ledger import count_by_id, device_sequence, half_written
from tcp_proxy import CUT_ANSWER, CUT_REQUEST, DELAY_ANSWER, DUPLICATE, FAULT_KINDS, LOSE_ANSWER, Fault

SEED = 611
READ_TIMEOUT_S = 1.0
HELD_S = 1.6
ODDS = {CUT_REQUEST: 0.12, CUT_ANSWER: 0.12, LOSE_ANSWER: 0.12, DELAY_ANSWER: 0.05, DUPLICATE: 0.12}
ENTRIES_PER_CHUNK = 80
SYNC_RUNS_PER_CHUNK = 8


def dispatcher_changes(session, world):
    """Changes to Amy's scope made while she syncs: a new job, a job given to her, then taken back, a new summary."""
    def new_job():
        make.job(session, world.south, world.amy, world.dana, start=make.now() + timedelta(days=1),
                 summary="Collect the old router")

    def give_bens_job():
        jobs.update_job(session, world.ben_job.id, {"engineer_id": world.amy.id}, world.dana)

    def take_it_back_and_rename():
        jobs.update_job(session, world.ben_job.id, {"engineer_id": world.ben.id}, world.dana)
        jobs.update_job(session, world.amy_job.id, {"summary": "Replace the fuser and the rollers"}, world.dana)

    return [new_job, give_bens_job, take_it_back_and_rename]


def sync_until_idle(phone, runs: int = 12) -> None:
    for _ in range(runs):
        status = phone.engine.sync_once()
        if status.state == SyncState.IDLE and status.waiting == 0:
            return
    raise AssertionError(f"the phone did not converge: {phone.engine.status}")


def test_a_link_that_cuts_holds_and_repeats_requests_loses_and_duplicates_nothing(live_server, links, phone_at,
                                                                                 world, session):
    link = links(live_server.port)
    phone = phone_at(url=link.url, batch_size=40, pull_limit=25, timeout_s=(1, READ_TIMEOUT_S))
    assert phone.engine.sync_once().state == SyncState.IDLE
    link.script(*(Fault(kind, HELD_S if kind == DELAY_ANSWER else 0.5) for kind in FAULT_KINDS))
    link.randomly(SEED, ODDS, delay_s=HELD_S)

    logged, states = [], []
    for chunk, change in enumerate(dispatcher_changes(session, world)):
        logged += queue_entries(phone.store, world.amy_job.id, ENTRIES_PER_CHUNK,
                                first_serial=31_000_000 + 1000 * chunk)
        change()
        states += [phone.engine.sync_once().state for _ in range(SYNC_RUNS_PER_CHUNK)]
    link.behave()
    sync_until_idle(phone)

    assert all(link.faults[kind] >= 1 for kind in FAULT_KINDS), link.faults
    assert SyncState.OFFLINE in states
    assert phone.store.waiting_count() == 0 and phone.store.problems() == []
    assert {e.state for e in phone.store.entries()} == {"accepted"}
    counts = count_by_id(session, [e.id for e in logged])
    assert [i for i, n in counts.items() if n != 1] == []
    sequence = device_sequence(session, phone.store.device_id)
    assert (sequence.highest_contiguous_seq, sequence.missing_seqs) == (len(logged), [])
    assert half_written(session) == []

    assert_converged(phone, live_server.url, "amy", make.PASSWORD)
    on_phone = phone_view(phone.store)
    removals = [e for e in logged if e.type == EventType.PART_REMOVED]
    assert on_phone.counts["job"] == 2 and on_phone.counts["return_line"] == len(removals)
