"""The sync engine against the real server: every entry arrives once, refusals come back, the cache follows."""

import threading
import uuid

import factories as make
from common.enums import EventType
from mobile import entries, workday
from mobile.sync import SyncState
from mobile_workload import log_entries, server_events
from phones import Phone as ProtocolPhone
from server.models import ReturnLine
from server.services.work.jobs import update_job


def test_two_hundred_entries_logged_offline_reach_the_server_once_each(phone_at, world, session):
    phone = phone_at(batch_size=60)
    assert phone.engine.sync_once().state == SyncState.IDLE
    logged = log_entries(phone.store, world.amy_job.id, 200)

    status = phone.engine.sync_once()

    assert status.state == SyncState.IDLE and status.waiting == 0 and status.problems == 0
    stored = server_events(session, phone.store.device_id)
    assert [(e.id, e.seq, e.status) for e in stored] == [(uuid.UUID(x.id), x.seq, "accepted") for x in logged]
    session.rollback()
    removals = [x for x in logged if x.type == EventType.PART_REMOVED]
    assert session.query(ReturnLine).count() == len(removals)
    assert {line.id for line in workday.carried_lines(phone.store)} == {x.id for x in removals}


def test_a_push_whose_answer_is_lost_is_resent_without_duplicates(phone_at, world, session, live_server):
    from tcp_proxy import FlakyLink

    link = FlakyLink(live_server.port)
    phone = phone_at(url=link.url, batch_size=10)
    phone.engine.sync_once()
    logged = log_entries(phone.store, world.amy_job.id, 30)
    link.lose_answers(2)

    runs = [phone.engine.sync_once() for _ in range(3)]

    assert [run.state for run in runs] == [SyncState.OFFLINE, SyncState.OFFLINE, SyncState.IDLE]
    assert link.answers_lost == 2 and runs[-1].waiting == 0 and runs[-1].problems == 0
    assert [e.seq for e in server_events(session, phone.store.device_id)] == [x.seq for x in logged]
    link.close()


def test_the_same_outbox_synced_from_two_threads_at_once_is_stored_once(phone_at, world, session):
    first = phone_at("shared.db", batch_size=25)
    first.engine.sync_once()
    logged = log_entries(first.store, world.amy_job.id, 100)
    # A second store, client and engine on the same database file: the in-process lock does not
    # serialise them, so only the store's transactions and the server's idempotency keep them apart.
    second = phone_at("shared.db", batch_size=25)
    start = threading.Barrier(3)
    statuses = []

    def run(phone):
        start.wait()
        statuses.append(phone.engine.sync_once())

    threads = [threading.Thread(target=run, args=(p,)) for p in (first, first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert [s.state for s in statuses] == [SyncState.IDLE] * 3
    assert [e.seq for e in server_events(session, first.store.device_id)] == [x.seq for x in logged]
    answered = first.store.entries()
    assert [e.seq for e in answered] == [x.seq for x in logged]
    assert {e.state for e in answered} == {"accepted"} and first.store.problems() == []


def test_a_refused_entry_comes_back_with_its_reason_and_waits_in_problems(amy, world, live_server):
    # Amy's other phone already sent AR00000001 back; this phone has not heard of it yet.
    other = ProtocolPhone(base_url=live_server.url)
    other.sign_in("amy")
    other.push([other.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220",
                                serial="AR00000001", condition="faulty")])
    [refused] = entries.log(amy.store, [entries.removal(world.amy_job.id, "PRN-FUS-220", "AR00000001", "faulty")], "amy")

    status = amy.engine.sync_once()

    assert status.problems == 1 and status.waiting == 0
    [problem] = amy.store.problems()
    assert problem.id == refused.id and problem.state == "rejected"
    assert "is already logged as on its way back" in workday.reason(problem)
    assert refused.id not in {line.id for line in workday.carried_lines(amy.store)}


def test_a_corrected_entry_is_a_new_event_and_closes_the_problem(amy, world, session):
    # Logged against Ben's job (the phone does not know his jobs; the server refuses it).
    [wrong] = amy.store.log_entries([entries.collection(world.ben_job.id, "PRN-FUS-220", "AR00000077", "working")],
                                    username="amy")
    amy.engine.sync_once()
    assert [p.id for p in amy.store.problems()] == [wrong.id]
    assert "never was, assigned to you" in workday.reason(amy.store.problems()[0])

    [fixed] = entries.log(amy.store, [entries.collection(world.amy_job.id, "PRN-FUS-220", "AR00000077", "working")],
                          "amy", corrects=wrong.id)
    status = amy.engine.sync_once()

    assert status.problems == 0 and status.waiting == 0
    assert fixed.id != wrong.id and fixed.seq == wrong.seq + 1
    assert amy.store.entry(wrong.id).problem == "corrected"
    by_id = {str(e.id): e.status for e in server_events(session, amy.store.device_id)}
    assert by_id == {wrong.id: "rejected", fixed.id: "accepted"}


def test_a_dismissed_problem_leaves_the_list_but_not_the_history(amy, world):
    [wrong] = amy.store.log_entries([entries.completion(world.ben_job.id, None, None)], username="amy")
    amy.engine.sync_once()

    amy.store.dismiss_problem(wrong.id)

    assert amy.store.problems() == []
    assert amy.store.entry(wrong.id).problem == "dismissed"


def test_a_job_reassigned_to_someone_else_leaves_the_cache(amy, world, session):
    assert [card.id for card in workday.jobs(amy.store)] == [world.amy_job.id]

    update_job(session, world.amy_job.id, {"engineer_id": world.ben.id}, world.dana)
    status = amy.engine.sync_once()

    assert status.state == SyncState.IDLE
    assert workday.jobs(amy.store) == []
    assert amy.store.record("site", world.north.id) is None


def test_a_new_job_arrives_with_its_site(amy, world, session):
    session.rollback()
    west = make.site(session, "West Office")
    job = make.job(session, west, world.amy, world.dana, summary="Collect old printer")

    amy.engine.sync_once()

    assert {card.id for card in workday.jobs(amy.store)} == {world.amy_job.id, job.id}
    assert workday.job_view(amy.store, job.id).card.site_name == "West Office"


def test_an_item_removed_offline_can_be_handed_over_offline(amy, world, session):
    [removed] = entries.log(amy.store, [entries.removal(world.amy_job.id, "PRN-FUS-220", "AR00000001", "faulty")], "amy")
    entries.log(amy.store, [entries.hand_over(removed.id, world.depot.id)], "amy")
    assert [line.state for line in workday.carried_lines(amy.store)] == ["handing_over"]

    status = amy.engine.sync_once()

    assert status.problems == 0
    assert workday.carried_lines(amy.store) == []
    session.rollback()
    assert session.get(ReturnLine, uuid.UUID(removed.id)).status == "delivered"
