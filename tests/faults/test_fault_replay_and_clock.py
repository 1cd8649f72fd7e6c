"""Batches from one device replayed, reordered and sent at the same time, built from the phone's own outbox
and sent as raw HTTP around the engine; and phones whose clocks are a day wrong.
"""

import random
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests

from common.protocol import PROTOCOL_VERSION
from mobile import api_client, store as store_module
from mobile.sync import SyncState
from mobile_workload import queue_entries, server_events
from phones import Phone as ProtocolPhone
from server_ledger import count_by_id, device_sequence, half_written

SEED = 3
ENTRIES = 120
BATCH = 20


def raw_push(url: str, token: str, device_id: str, events: list[dict]) -> dict:
    body = {"protocol_version": PROTOCOL_VERSION, "device_id": device_id,
            "sent_at": datetime.now(timezone.utc).isoformat(), "events": events}
    answer = requests.post(url + "/api/v1/sync/push", json=body, headers={"Authorization": f"Bearer {token}"},
                           timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_replayed_reordered_and_concurrent_batches_of_one_device_store_each_entry_once(live_server, phone_at,
                                                                                        world, session):
    rng = random.Random(SEED)
    phone = phone_at(url=live_server.url)
    assert phone.engine.sync_once().state == SyncState.IDLE
    logged = queue_entries(phone.store, world.amy_job.id, ENTRIES)
    events = [entry.as_event() for entry in phone.store.waiting()]
    batches = [events[i:i + BATCH] for i in range(0, ENTRIES, BATCH)]
    send = lambda batch: raw_push(live_server.url, phone.client.token, phone.store.device_id, batch)  # noqa: E731

    # The last batch first, its events in reverse: the server sees the gap below it.
    answer = send(list(reversed(batches[-1])))
    assert answer["highest_contiguous_seq"] == 0
    assert answer["missing_seqs"] == list(range(1, ENTRIES - BATCH + 1))
    # The rest shuffled, each sent twice at once from two threads, plus batches that overlap and repeat an event.
    plan = [list(b) for b in batches[:-1]] * 2
    plan += [batches[0][10:] + batches[1][:10], batches[2] + batches[2][:5]]
    for batch in plan:
        rng.shuffle(batch)
    rng.shuffle(plan)
    answers, start = [], threading.Barrier(4)

    def worker(share):
        start.wait()
        answers.extend(send(batch) for batch in share)

    threads = [threading.Thread(target=worker, args=(plan[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # And the whole outbox again, as one batch.
    answers.append(send(events))

    assert len(answers) == len(plan) + 1
    outcomes = [(r["status"], r.get("original_status")) for a in answers for r in a["results"]]
    assert set(outcomes) <= {("accepted", None), ("duplicate", "accepted")}
    assert answers[-1]["highest_contiguous_seq"] == ENTRIES and answers[-1]["missing_seqs"] == []
    counts = count_by_id(session, [e.id for e in logged])
    assert [i for i, n in counts.items() if n != 1] == []
    assert [e.seq for e in server_events(session, phone.store.device_id)] == list(range(1, ENTRIES + 1))
    assert device_sequence(session, phone.store.device_id).missing_seqs == []
    assert half_written(session) == []

    # The engine now sends what it still thinks is waiting: every answer is a duplicate of an accepted entry.
    status = phone.engine.sync_once()
    assert status.state == SyncState.IDLE and status.waiting == 0 and status.problems == 0
    assert {e.state for e in phone.store.entries()} == {"accepted"}
    assert len(server_events(session, phone.store.device_id)) == ENTRIES


class _Clock(datetime):
    """datetime whose now() is off by `offset`, as on a phone whose clock is wrong."""

    offset = timedelta(0)

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + cls.offset


@pytest.fixture
def phone_clock(monkeypatch):
    """Set the phone's clock `offset` away from the true time (entries' occurred_at and pushes' sent_at)."""

    def set_offset(offset: timedelta) -> None:
        clock = type("PhoneClock", (_Clock,), {"offset": offset})
        monkeypatch.setattr(store_module, "utc_now",
                            lambda: clock.now(timezone.utc).isoformat(timespec="seconds"))
        monkeypatch.setattr(api_client, "datetime", clock)

    return set_offset


def test_entries_from_phones_with_clocks_a_day_wrong_are_accepted_flagged_and_ordered_by_receipt(
        live_server, phone_at, phone_clock, world, session):
    sent = {}
    for name, offset in (("ahead", timedelta(days=1)), ("behind", timedelta(days=-1)), ("right", timedelta(0))):
        phone_clock(offset)
        phone = phone_at(url=live_server.url, name=f"{name}.db")
        queue_entries(phone.store, world.amy_job.id, 3, first_serial=32_000_000 + 100 * len(sent))
        status = phone.engine.sync_once()
        assert status.state == SyncState.IDLE and status.waiting == 0 and status.problems == 0
        sent[name] = server_events(session, phone.store.device_id)
    phone_clock(timedelta(0))

    flags = {name: {tuple(sorted(f for f in e.flags if f.startswith("clock_"))) for e in events}
             for name, events in sent.items()}
    assert flags == {"ahead": {("clock_future", "clock_offset")}, "behind": {("clock_offset",)}, "right": {()}}
    assert {e.status for events in sent.values() for e in events} == {"accepted"}
    ahead_by = {round(e.device_clock_offset_s / 3600) for e in sent["ahead"]}
    assert ahead_by == {24}
    # The occurred_at kept as sent: the "ahead" phone's entries claim to be the latest by a day ...
    assert min(e.occurred_at for e in sent["ahead"]) > max(e.occurred_at for e in sent["right"]) + timedelta(hours=23)

    # ... yet the dispatcher's list is in order of receipt, newest first: right, behind, ahead.
    dana = ProtocolPhone(base_url=live_server.url)
    assert dana.sign_in("dana").status == 200
    listed = dana.request("GET", "/api/v1/events", params={"page_size": 50}).json["items"]
    order = {str(e.id): name for name, events in sent.items() for e in events}
    assert [order[item["id"]] for item in listed] == ["right"] * 3 + ["behind"] * 3 + ["ahead"] * 3
