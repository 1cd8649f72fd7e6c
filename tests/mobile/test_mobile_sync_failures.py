"""The sync engine when things go wrong: the server goes away, tokens expire, the server re-syncs or is newer."""

import time
from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import SyncEntity
from mobile import api_client, workday
from mobile.sync import SyncState
from mobile_workload import log_entries, server_events
from server.models import ApiToken, Device
from server.services.sync.sync_state import rotate_epoch


def wait_until(condition, timeout_s: float = 20.0, step_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step_s)
    return condition()


def expire_every_token(session) -> None:
    session.rollback()
    session.execute(sa.update(ApiToken).values(expires_at=make.now() - timedelta(seconds=1)))
    session.commit()


def after_push(phone, number: int, do) -> None:
    """Run `do()` once the phone's `number`-th push has been answered."""
    real_push, pushes = phone.client.push, []

    def push(events):
        answer = real_push(events)
        pushes.append(len(events))
        if len(pushes) == number:
            do()
        return answer

    phone.client.push = push


def test_server_stopped_between_batches_and_restarted_loses_and_duplicates_nothing(phone_at, world, session,
                                                                                  live_server):
    states = []
    phone = phone_at(batch_size=50, on_status=lambda status: states.append(status.state))
    phone.engine.sync_once()
    logged = log_entries(phone.store, world.amy_job.id, 200)
    after_push(phone, 2, live_server.stop)

    phone.engine.start()
    assert wait_until(lambda: SyncState.OFFLINE in states)
    assert phone.store.waiting_count() == 100
    time.sleep(0.5)  # a few probes find nothing
    live_server.start()

    assert wait_until(lambda: phone.store.waiting_count() == 0 and phone.engine.status.state == SyncState.IDLE)
    assert [e.seq for e in server_events(session, phone.store.device_id)] == [x.seq for x in logged]
    device = session.scalar(sa.select(Device).where(Device.device_uid == phone.store.device_id))
    assert device.highest_contiguous_seq == 200 and device.missing_seq_ranges == []


def test_a_token_expiring_mid_sync_is_renewed_and_the_queue_goes_on(phone_at, world, session):
    phone = phone_at(batch_size=20)
    phone.engine.sync_once()
    logged = log_entries(phone.store, world.amy_job.id, 60)
    after_push(phone, 1, lambda: expire_every_token(session))

    status = phone.engine.sync_once()

    assert status.state == SyncState.IDLE and status.waiting == 0 and status.problems == 0
    assert [e.seq for e in server_events(session, phone.store.device_id)] == [x.seq for x in logged]
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 2


def test_an_expired_token_after_a_restart_asks_for_the_password_and_keeps_the_queue(phone_at, world, session,
                                                                                    live_server):
    before_restart = phone_at("restart.db")
    before_restart.engine.sync_once()
    logged = log_entries(before_restart.store, world.amy_job.id, 30)
    before_restart.close()
    expire_every_token(session)

    phone = phone_at("restart.db")  # the app restarted: the token is on disk, the password is not
    status = phone.engine.sync_once()

    assert status.state == SyncState.NEEDS_PASSWORD and "password" in status.message
    assert [e.id for e in phone.store.waiting()] == [x.id for x in logged] and status.problems == 0
    assert workday.jobs(phone.store) != []  # the day's work is still on the phone

    phone.account.sign_in(live_server.url, "amy", make.PASSWORD)
    status = phone.engine.sync_once()

    assert status.state == SyncState.IDLE and status.waiting == 0
    assert len(server_events(session, phone.store.device_id)) == 30


def test_a_409_rebuilds_the_cache_from_scratch_and_keeps_every_unsent_entry(amy, world, session):
    stale_job = {"id": 999, "reference": "J-GONE", "site_id": world.north.id, "status": "open", "summary": "",
                 "window_start": None, "window_end": None, "expected_parts": []}
    amy.store.apply_pull_page(amy.store.cursor, {"changes": [{"entity": "job", "id": "999", "op": "upsert",
                                                              "data": stale_job}],
                                                 "cursor": amy.store.cursor, "has_more": False, "full_resync": False})
    sent_before = log_entries(amy.store, world.amy_job.id, 5)
    rotate_epoch(session)  # the server was restored from a backup
    make.part(session, "NET-SFP-10G", serialised=False)
    real_pull, late = amy.client.pull, []

    def pull(cursor, limit=None):
        if cursor is None and not late:  # the engineer keeps logging while the phone re-syncs
            late.extend(log_entries(amy.store, world.amy_job.id, 3, first_serial=40_000_000))
        return real_pull(cursor, limit)

    amy.client.pull = pull
    status = amy.engine.sync_once()

    assert status.state == SyncState.IDLE and late
    assert [e.id for e in amy.store.waiting()] == [x.id for x in late]
    assert amy.store.record(SyncEntity.JOB, 999) is None
    assert amy.store.part("NET-SFP-10G") is not None
    assert [card.id for card in workday.jobs(amy.store)] == [world.amy_job.id]
    assert amy.engine.sync_once().waiting == 0
    assert len(server_events(session, amy.store.device_id)) == len(sent_before) + len(late)


def test_426_asks_for_an_update_and_stops_retrying(amy, world, monkeypatch):
    log_entries(amy.store, world.amy_job.id, 2)
    monkeypatch.setattr(api_client, "PROTOCOL_VERSION", 99)
    requests_made = []
    real_call = amy.client._call
    amy.client._call = lambda *args, **kwargs: requests_made.append(args) or real_call(*args, **kwargs)

    status = amy.engine.sync_once()

    assert status.state == SyncState.UPDATE_REQUIRED and "update the app" in status.message.lower()
    assert status.waiting == 2 and len(requests_made) == 1
    amy.engine.start()
    amy.engine.request_sync()
    time.sleep(0.5)
    assert amy.engine.sync_once().state == SyncState.UPDATE_REQUIRED
    assert len(requests_made) == 1 and amy.store.waiting_count() == 2


def test_an_updated_app_syncs_again_after_426(phone_at, world, monkeypatch):
    phone = phone_at("old-app.db")
    phone.engine.sync_once()
    log_entries(phone.store, world.amy_job.id, 2)
    monkeypatch.setattr(api_client, "PROTOCOL_VERSION", 99)
    assert phone.engine.sync_once().state == SyncState.UPDATE_REQUIRED
    phone.close()

    monkeypatch.setattr(api_client, "PROTOCOL_VERSION", 1)
    updated = phone_at("old-app.db")

    assert updated.engine.sync_once().state == SyncState.IDLE
    assert updated.store.waiting_count() == 0


def test_an_unreachable_server_leaves_everything_on_the_phone(phone_at, world, live_server):
    phone = phone_at()
    phone.engine.sync_once()
    logged = log_entries(phone.store, world.amy_job.id, 3)
    live_server.stop()

    status = phone.engine.sync_once()

    assert status.state == SyncState.OFFLINE and status.waiting == 3
    assert [e.id for e in phone.store.waiting()] == [x.id for x in logged]
    live_server.start()
