"""The database unavailable for a while: the API answers 503 with a message, phones keep their queue, and once
it is back nothing is half-written.

The app reaches PostgreSQL (a database of this test's own) through a
TcpRelay that the test cuts: first refusing connections for a while, then
dropping them in the middle of pushes. This test runs on PostgreSQL in both
passes of the suite; the relay is what makes a database go away on demand.
"""

import random
import threading
import time
from datetime import datetime, timezone

import pytest
import requests
import sqlalchemy as sa

from common.protocol import PROTOCOL_VERSION
from mobile.sync import SyncState
from mobile_workload import queue_entries
from server_ledger import count_by_id, device_sequence, half_written
from tcp_proxy import TcpRelay

SEED = 7
CUTS = 6
BATCH = 250


@pytest.fixture
def database_relay(fault_postgres):
    target = sa.make_url(fault_postgres)
    relay = TcpRelay(target.port or 5432, target.host or "127.0.0.1")
    yield relay
    relay.close()


@pytest.fixture
def database_url(database_relay, fault_postgres):
    """The app, the world and the test's session all reach the database through the relay."""
    return sa.make_url(fault_postgres).set(host="127.0.0.1", port=database_relay.port) \
        .render_as_string(hide_password=False)


def test_while_the_database_is_away_the_api_answers_503_and_the_phone_keeps_its_queue(database_relay, live_server,
                                                                                      phone_at, world, session):
    phone = phone_at(url=live_server.url, batch_size=BATCH)
    assert phone.engine.sync_once().state == SyncState.IDLE
    waiting = queue_entries(phone.store, world.amy_job.id, 40)
    session.rollback()

    database_relay.down(refuse=True)
    push = requests.post(
        live_server.url + "/api/v1/sync/push", headers={"Authorization": f"Bearer {phone.client.token}"},
        json={"protocol_version": PROTOCOL_VERSION, "device_id": phone.store.device_id,
              "sent_at": datetime.now(timezone.utc).isoformat(), "events": [e.as_event() for e in waiting[:5]]},
        timeout=30)
    health = requests.get(live_server.url + "/api/v1/health", timeout=30)
    status = phone.engine.sync_once()

    for answer in (push, health):
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert answer.json()["code"] == 503
        assert answer.json()["message"] == \
            "The database is unavailable just now; nothing was saved. Try again shortly."
    assert status.state == SyncState.RETRYING and "database is unavailable" in status.message
    assert [e.id for e in phone.store.waiting()] == [e.id for e in waiting]

    database_relay.up()
    # The first request after may meet a pooled connection the cut left dead: 503 once, then the pool is renewed.
    assert phone.engine.sync_once().state in (SyncState.IDLE, SyncState.RETRYING)
    assert phone.engine.sync_once().state == SyncState.IDLE and phone.store.waiting_count() == 0


def test_a_database_dropping_connections_in_the_middle_of_pushes_leaves_nothing_half_written(
        database_relay, live_server, phone_at, world, session):
    rng = random.Random(SEED)
    phone = phone_at(url=live_server.url, batch_size=BATCH)
    assert phone.engine.sync_once().state == SyncState.IDLE
    logged = queue_entries(phone.store, world.amy_job.id, 2000)
    session.rollback()

    outcomes = []
    for _ in range(CUTS):
        run = threading.Thread(target=lambda: outcomes.append(phone.engine.sync_once()))
        run.start()
        time.sleep(rng.uniform(0.05, 0.4))
        database_relay.down()
        time.sleep(0.2)
        database_relay.up()
        run.join(60)
        if phone.store.waiting_count() == 0:
            break
    for _ in range(5):
        if phone.engine.sync_once().state == SyncState.IDLE and phone.store.waiting_count() == 0:
            break

    refused = [o for o in outcomes if o.state == SyncState.RETRYING]
    assert refused and all("database is unavailable" in o.message for o in refused), outcomes
    assert phone.store.waiting_count() == 0 and phone.store.problems() == []
    assert {e.state for e in phone.store.entries()} == {"accepted"}
    session.rollback()
    counts = count_by_id(session, [e.id for e in logged])
    assert [i for i, n in counts.items() if n != 1] == []
    assert device_sequence(session, phone.store.device_id).missing_seqs == []
    assert half_written(session) == []
