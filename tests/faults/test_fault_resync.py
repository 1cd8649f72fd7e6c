"""A phone away for longer than the change log's retention: the server answers 409, the phone re-syncs from
scratch, keeps every entry logged while away or during the re-sync, and drops the records whose tombstones
were pruned.
"""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import SyncEntity
from field_phones import record_resyncs
from mobile.sync import SyncState
from mobile_workload import queue_entries, server_events
from scope_views import assert_converged
from server.models import ChangeLogEntry
from server.services.work import jobs
from server.services.sync.sync_state import prune_change_log
from server_ledger import half_written


def test_a_phone_away_longer_than_the_retention_resyncs_fully_and_keeps_its_unsent_entries(live_server, phone_at,
                                                                                          world, session, app):
    phone = phone_at(url=live_server.url)
    leaving = make.job(session, world.south, world.amy, world.dana, summary="Soon someone else's")
    assert phone.engine.sync_once().state == SyncState.IDLE
    assert phone.store.record(SyncEntity.JOB, leaving.id) is not None
    sent = queue_entries(phone.store, world.amy_job.id, 12)
    assert phone.engine.sync_once().waiting == 0
    unsent = queue_entries(phone.store, world.amy_job.id, 30, first_serial=33_000_000)  # logged while away

    # While the phone is away the job goes to Ben (a tombstone for Amy), Amy gets a new one, and then
    # the change log is pruned past the phone's cursor: the tombstone goes with it.
    jobs.update_job(session, leaving.id, {"engineer_id": world.ben.id}, world.dana)
    arriving = make.job(session, world.south, world.amy, world.dana, summary="New work")
    session.execute(sa.update(ChangeLogEntry).values(created_at=make.now() - timedelta(days=40)))
    session.commit()
    assert prune_change_log(session, app.config["SYNC_RETENTION_DAYS"]) > 0
    session.commit()

    during = []
    refusals = record_resyncs(phone, lambda: during.extend(
        queue_entries(phone.store, world.amy_job.id, 4, first_serial=33_500_000)))
    status = phone.engine.sync_once()

    assert status.state == SyncState.IDLE and status.problems == 0
    assert len(refusals) == 1 and "older than the 30 days" in refusals[0].message
    assert [e.id for e in phone.store.waiting()] == [e.id for e in during], "entries logged as the re-sync began wait"
    assert phone.store.record(SyncEntity.JOB, leaving.id) is None, "a pruned tombstone must not leave the job behind"
    assert phone.store.record(SyncEntity.JOB, arriving.id) is not None
    assert phone.engine.sync_once().waiting == 0
    assert [str(e.id) for e in server_events(session, phone.store.device_id)] == \
        [e.id for e in sent + unsent + during]
    assert half_written(session) == []
    assert_converged(phone, live_server.url, "amy", make.PASSWORD)
