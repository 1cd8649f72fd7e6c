"""The phone's identity: its device secret kept with the outbox, a revoked phone's entries kept and sent once
re-enabled, and a sign-out that refuses while entries wait."""

import pytest
import sqlalchemy as sa

import factories as make
from mobile.account import EntriesWaiting
from mobile.api_client import DeviceClaimed, DeviceRevoked, Offline
from mobile.sync import SyncState
from mobile_workload import log_entries, server_events
from phones import Phone as ProtocolPhone
from server.models import Device
from server.services.accounts.auth import digest
from tcp_proxy import FlakyLink
from waiting import wait_for


def server_device(session, phone) -> Device:
    session.rollback()
    return session.scalar(sa.select(Device).where(Device.device_uid == phone.store.device_id))


def staff(live_server, username: str) -> ProtocolPhone:
    phone = ProtocolPhone(base_url=live_server.url)
    assert phone.sign_in(username).status == 200
    return phone


def revoke(live_server, session, phone) -> int:
    pk = server_device(session, phone).id
    assert staff(live_server, "dana").request("POST", f"/api/v1/devices/{pk}/revoke").status == 200
    return pk


def reenable(live_server, pk: int) -> None:
    assert staff(live_server, "root").request("POST", f"/api/v1/devices/{pk}/enable").status == 200


def test_the_phone_keeps_its_device_secret_in_its_store_and_signs_in_with_it_after_a_restart(
        phone_at, world, live_server, session):
    first = phone_at("phone.db")
    secret = first.store.device_secret
    assert secret and server_device(session, first).secret_digest == digest(secret)
    first.close()

    again = phone_at("phone.db", username=None)
    again.account.sign_in(live_server.url, "amy", make.PASSWORD)
    assert again.store.device_secret == secret
    assert again.engine.sync_once().state == SyncState.IDLE


def test_a_first_sign_in_whose_answer_was_lost_can_simply_be_tried_again(phone_at, world, live_server, session):
    link = FlakyLink(live_server.port, fault_paths=("/api/v1/auth/",))
    phone = phone_at(username=None, url=link.url)
    link.lose_answers(1)
    with pytest.raises(Offline):
        phone.account.sign_in(link.url, "amy", make.PASSWORD)
    assert phone.store.device_secret is None and server_device(session, phone).secret_digest is not None

    phone.account.sign_in(link.url, "amy", make.PASSWORD)
    assert server_device(session, phone).secret_digest == digest(phone.store.device_secret)
    assert phone.engine.sync_once().state == SyncState.IDLE
    link.close()


def test_a_phone_with_a_copied_device_id_is_refused_and_the_real_phone_carries_on(amy, phone_at, world, live_server):
    assert amy.account.renew()  # the real phone presents its secret: it has proven it holds it
    copy = phone_at("copy.db", username=None)
    copy.store.set_settings(device_id=amy.store.device_id)
    copy.client.device_id = amy.store.device_id
    with pytest.raises(DeviceClaimed, match="device secret"):
        copy.account.sign_in(live_server.url, "ben", make.PASSWORD)
    assert not copy.account.known and copy.store.device_secret is None

    [entry] = log_entries(amy.store, world.amy_job.id, 1)
    assert amy.engine.sync_once().state == SyncState.IDLE and amy.store.entry(entry.id).state == "accepted"


def test_a_revoked_phone_says_so_keeps_its_entries_and_sends_them_with_their_seqs_once_reenabled(
        amy, world, live_server, session):
    pk = revoke(live_server, session, amy)
    log_entries(amy.store, world.amy_job.id, 2)

    status = amy.engine.sync_once()
    assert status.state == SyncState.REVOKED and status.waiting == 2
    assert "revoked" in status.message and "The 2 entries waiting on it are kept here" in status.message
    assert server_device(session, amy).reported_seq == 2  # the console can count what waits
    assert server_events(session, amy.store.device_id) == []

    reenable(live_server, pk)
    assert amy.engine.sync_once().state == SyncState.IDLE
    assert [(e.seq, e.status) for e in server_events(session, amy.store.device_id)] == [(1, "accepted"),
                                                                                       (2, "accepted")]


def test_the_sync_engine_keeps_trying_a_revoked_phone_and_syncs_as_soon_as_it_is_reenabled(
        amy, world, live_server, session):
    pk = revoke(live_server, session, amy)
    log_entries(amy.store, world.amy_job.id, 1)
    amy.engine.start()
    amy.engine.request_sync()
    assert wait_for(lambda: amy.engine.status.state == SyncState.REVOKED, 10)

    reenable(live_server, pk)
    assert wait_for(lambda: amy.engine.status.state == SyncState.IDLE and amy.store.waiting_count() == 0, 10)
    assert [e.seq for e in server_events(session, amy.store.device_id)] == [1]


def test_a_revoked_phone_signing_in_after_a_restart_is_told_so_and_then_retries_with_that_password(
        phone_at, world, live_server, session):
    phone = phone_at("phone.db")
    assert phone.engine.sync_once().state == SyncState.IDLE
    pk = revoke(live_server, session, phone)
    log_entries(phone.store, world.amy_job.id, 1)
    phone.close()

    restarted = phone_at("phone.db", username=None)
    assert restarted.engine.sync_once().state == SyncState.NEEDS_PASSWORD  # no password in memory
    with pytest.raises(DeviceRevoked):
        restarted.account.sign_in(live_server.url, "amy", make.PASSWORD)
    assert restarted.engine.sync_once().state == SyncState.REVOKED
    reenable(live_server, pk)
    assert restarted.engine.sync_once().state == SyncState.IDLE and restarted.store.waiting_count() == 0


def test_sign_out_is_refused_while_entries_wait_and_otherwise_forgets_the_account_but_not_the_phone(
        amy, world, live_server):
    log_entries(amy.store, world.amy_job.id, 1)
    with pytest.raises(EntriesWaiting, match="1 entry is waiting to be sent. Sync first"):
        amy.account.sign_out()
    assert amy.account.known and amy.store.waiting_count() == 1

    assert amy.engine.sync_once().state == SyncState.IDLE
    secret, device_id = amy.store.device_secret, amy.store.device_id
    amy.account.sign_out()
    assert not amy.account.known and amy.client.token is None and amy.store.setting("token") is None
    assert amy.store.count("job") == 0 and amy.engine.sync_once().state == SyncState.NEEDS_PASSWORD
    assert (amy.store.device_secret, amy.store.device_id, amy.store.last_seq) == (secret, device_id, 1)

    amy.account.sign_in(live_server.url, "ben", make.PASSWORD)
    assert amy.engine.sync_once().state == SyncState.IDLE
    [bens] = log_entries(amy.store, world.ben_job.id, 1, username="ben", first_serial=50_000_000)
    assert bens.seq == 2 and amy.engine.sync_once().state == SyncState.IDLE
