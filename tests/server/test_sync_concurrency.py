"""Concurrency: double pushes over real HTTP, and the late-commit gap on PostgreSQL."""

import threading

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from phones import Phone
from server.extensions import db
from server.models import CustodyEntry, FieldEvent, PartNumber, ReturnLine


def count(session, model) -> int:
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def run_together(*calls):
    """Start every call at the same moment on its own thread; return their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def phones_over_http(live_server, username, n, same_device=True):
    first = Phone(base_url=live_server.url)
    assert first.sign_in(username).status == 200
    phones = [first]
    for _ in range(n - 1):
        p = Phone(base_url=live_server.url, device_id=first.device_id if same_device else None)
        if same_device:
            p.device_secret = first.device_secret
        assert p.sign_in(username).status == 200
        phones.append(p)
    return phones


def removal_batch(phone, world, n=20):
    events = [phone.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
              for _ in range(n)]
    events.append(phone.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220",
                                  serial="AR00000001", condition="faulty"))
    return events


def test_the_same_batch_pushed_by_two_app_processes_at_once_is_stored_once(live_server, world, session):
    one, two = phones_over_http(live_server, "amy", 2)
    batch = removal_batch(one, world)
    results = run_together(lambda: one.push(batch), lambda: two.push(batch))
    assert [r.status for r in results] == [200, 200]
    statuses = sorted(tuple(x["status"] for x in r.json["results"]) for r in results)
    assert set(statuses[0]) | set(statuses[1]) == {"accepted", "duplicate"}
    for position in range(len(batch)):
        pair = {r.json["results"][position]["status"] for r in results}
        assert pair == {"accepted", "duplicate"}
    assert count(session, FieldEvent) == len(batch)
    assert count(session, ReturnLine) == len(batch)
    assert count(session, CustodyEntry) == len(batch)


def test_the_same_events_from_two_devices_at_once_are_stored_once(live_server, world, session):
    one, two = phones_over_http(live_server, "amy", 2, same_device=False)
    batch = removal_batch(one, world, n=10)
    results = run_together(lambda: one.push(batch), lambda: two.push(batch))
    assert [r.status for r in results] == [200, 200]
    assert count(session, FieldEvent) == len(batch)
    assert count(session, ReturnLine) == len(batch)


def test_many_racing_retries_leave_every_event_once(live_server, world, session):
    phones = phones_over_http(live_server, "amy", 4)
    batch = removal_batch(phones[0], world, n=30)
    results = run_together(*[lambda p=p: p.push(batch) for p in phones for _ in range(2)])
    assert all(r.status == 200 for r in results)
    accepted = sum(x["status"] == "accepted" for r in results for x in r.json["results"])
    assert accepted == len(batch)
    assert count(session, FieldEvent) == len(batch)


@pytest.mark.postgres
def test_a_change_committed_late_by_an_earlier_transaction_is_not_skipped(app, amy, world, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite serialises writers, so a late commit cannot be overtaken there")
    amy.sync_down()
    with app.app_context():
        engine = db.engine
    with so.Session(engine) as writer_a, so.Session(engine) as writer_b:
        writer_a.get(PartNumber, world.fuser.id).description = "Changed by A, committed last"
        writer_a.flush()  # A now holds the older transaction id, uncommitted
        writer_b.get(PartNumber, world.rollers.id).description = "Changed by B, committed first"
        writer_b.commit()

        first = amy.sync_down()
        assert "Changed by A, committed last" not in {c["data"]["description"] for c in first if c["data"]}

        writer_a.commit()
        second = amy.sync_down()
    descriptions = {c["data"]["description"] for c in first + second if c["entity"] == "part"}
    assert descriptions == {"Changed by A, committed last", "Changed by B, committed first"}


@pytest.mark.postgres
def test_an_unrelated_long_transaction_does_not_hold_pulls_back(app, amy, world, is_postgres, session):
    if not is_postgres:
        pytest.skip("only PostgreSQL runs writers side by side")
    import factories as make

    amy.sync_down()
    with app.app_context():
        engine = db.engine
    with engine.connect() as idle:
        idle.execute(sa.text("INSERT INTO login_failures (username, remote_addr, at) VALUES ('x', 'y', now())"))
        make.part(session, "NEW-WHILE-BUSY", serialised=False)  # committed while the other stays open
        changes = amy.sync_down()
        assert [c["data"]["part_number"] for c in changes if c["entity"] == "part"] == ["NEW-WHILE-BUSY"]
        idle.rollback()


@pytest.mark.postgres
def test_a_late_tombstone_never_removes_a_record_back_in_scope(app, amy, world, is_postgres, session):
    if not is_postgres:
        pytest.skip("only PostgreSQL runs writers side by side")
    from datetime import timedelta

    from server.models import Job
    from server.services.work.jobs import JobDraft, create_job

    amy.sync_down()
    with app.app_context():
        engine = db.engine
    with so.Session(engine) as late, so.Session(engine) as early:
        late.get(Job, world.amy_job.id).engineer_id = world.ben.id
        late.flush()  # sees Amy with no other job at North: a tombstone for the site, not yet committed
        start = world.amy_job.window_start + timedelta(days=1)
        create_job(early, JobDraft(site_id=world.north.id, engineer_id=world.amy.id, summary="Second visit",
                                   window_start=start, window_end=start + timedelta(hours=1)), world.dana)
        amy.sync_down()
        late.commit()
    amy.sync_down()
    assert str(world.north.id) in amy.cached("site")
    assert str(world.amy_job.id) not in amy.cached("job")
