"""Pull: an engineer's scope, paged with a cursor, with tombstones and re-sync."""

import base64
import json
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

import factories as make
from common.enums import PickupStatus
from factories import next_weekday
from server.models import ChangeLogEntry, Pickup
from server.runner import run_due
from server.services.work.jobs import update_job
from server.services.planning.pickup_days import move_pickup
from server.services.planning.planning import plan_day
from server.services.returns.receiving import collect_pickup
from server.services.sync.sync_state import prune_change_log, rotate_epoch


DAY = next_weekday(date.today())


def keys(phone, entity) -> set[str]:
    return set(phone.cached(entity))


def test_first_pull_is_a_snapshot_of_the_engineers_scope(amy, world):
    amy.sync_down()
    assert keys(amy, "job") == {str(world.amy_job.id)}
    assert keys(amy, "site") == {str(world.north.id)}
    assert keys(amy, "part") == {str(world.fuser.id), str(world.rollers.id)}
    assert keys(amy, "facility") == {str(world.depot.id), str(world.recycler.id)}
    site = amy.cached("site")[str(world.north.id)]
    assert site["installed"] == [{"serial": "AR00000001", "part_number": "PRN-FUS-220",
                                  "installed_on": world.north_fuser.installed_on.isoformat()}]
    job = amy.cached("job")[str(world.amy_job.id)]
    assert job["reference"] == world.amy_job.reference and job["status"] == "open"


def test_an_engineer_never_receives_another_engineers_jobs_or_sites(amy, ben, world):
    amy.sync_down()
    ben.sync_down()
    assert str(world.ben_job.id) not in keys(amy, "job")
    assert str(world.south.id) not in keys(amy, "site")
    assert keys(ben, "job") == {str(world.ben_job.id)}


def test_snapshot_pages_add_up_to_the_whole_scope(amy, world, session):
    for i in range(25):
        make.part(session, f"NET-SFP-{i:03d}", serialised=False)
    pages = []
    cursor = None
    while True:
        r = amy.pull(cursor, limit=7)
        pages.append(r.json["changes"])
        cursor = r.json["cursor"]
        assert r.json["full_resync"] is True or not r.json["has_more"]
        if not r.json["has_more"]:
            break
    assert all(len(p) <= 7 for p in pages)
    seen = [(c["entity"], c["id"]) for page in pages for c in page]
    assert len(seen) == len(set(seen)) == 2 + 27 + 1 + 1


def test_incremental_pull_brings_only_what_changed(amy, world, session):
    amy.sync_down()
    assert amy.sync_down() == []
    make.part(session, "NET-SFP-10G", serialised=False)
    changes = amy.sync_down()
    assert [(c["entity"], c["op"], c["data"]["part_number"]) for c in changes] == [("part", "upsert", "NET-SFP-10G")]


def test_reassigned_job_becomes_a_tombstone_for_the_old_engineer(amy, ben, world, session):
    amy.sync_down()
    ben.sync_down()
    update_job(session, world.amy_job.id, {"engineer_id": world.ben.id}, world.dana)
    changes = amy.sync_down()
    assert {(c["entity"], c["id"], c["op"]) for c in changes} == {
        ("job", str(world.amy_job.id), "delete"),
        ("site", str(world.north.id), "delete"),
    }
    assert keys(amy, "job") == set()
    ben.sync_down()
    assert keys(ben, "job") == {str(world.amy_job.id), str(world.ben_job.id)}
    assert keys(ben, "site") == {str(world.north.id), str(world.south.id)}


def test_site_stays_while_another_job_keeps_it_in_scope(amy, world, session):
    second = make.job(session, world.north, world.amy, world.dana, summary="Second visit")
    amy.sync_down()
    update_job(session, second.id, {"engineer_id": world.ben.id}, world.dana)
    changes = amy.sync_down()
    assert [(c["entity"], c["op"]) for c in changes] == [("job", "delete")]
    assert keys(amy, "site") == {str(world.north.id)}


def test_cancelled_job_is_removed_from_the_phone(amy, world, session):
    amy.sync_down()
    update_job(session, world.amy_job.id, {"status": "cancelled"}, world.dana)
    amy.sync_down()
    assert keys(amy, "job") == set()


def test_completed_jobs_leave_the_phone_after_the_archive_delay(amy, world, session, app):
    from server.services.work.jobs import archive_completed_jobs

    done = amy.new_event("job_completed", world.amy_job.id)
    amy.push([done])
    amy.sync_down()
    assert amy.cached("job")[str(world.amy_job.id)]["status"] == "completed"
    assert archive_completed_jobs(session, completed_days=7) == 0
    archive_completed_jobs(session, completed_days=7, now=make.now() + timedelta(days=8))
    session.commit()
    amy.sync_down()
    assert keys(amy, "job") == set()


def test_removed_part_reaches_the_phone_as_a_carried_line_until_handed_over(amy, world):
    amy.sync_down()
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                       condition="faulty")
    amy.push([ev])
    amy.sync_down()
    line = amy.cached("return_line")[ev["id"]]
    assert (line["status"], line["serial"]) == ("awaiting_disposition", "AR00000001")
    assert amy.cached("site")[str(world.north.id)]["installed"] == []
    handover = amy.new_event("return_handed_over", None, return_line_id=ev["id"], facility_id=world.depot.id)
    amy.push([handover])
    amy.sync_down()
    assert keys(amy, "return_line") == set()


def test_installed_base_change_reaches_every_engineer_with_the_site(amy, ben, world, session):
    make.job(session, world.north, world.ben, world.dana)
    ben.sync_down()
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                       condition="faulty")
    amy.push([ev])
    changes = ben.sync_down()
    assert ("site", str(world.north.id), "upsert") in {(c["entity"], c["id"], c["op"]) for c in changes}
    assert ben.cached("site")[str(world.north.id)]["installed"] == []
    assert ev["id"] not in keys(ben, "return_line")


def test_a_malformed_cursor_is_400(amy):
    r = amy.pull("not-a-cursor")
    assert r.status == 400
    assert "cursor" in r.json["errors"]["query"]


def _forged(cursor: str, **fields) -> str:
    doc = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    doc.update(fields)
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "fields",
    [{"p": [0, 2**70, 0]}, {"p": [2**70, 0, 0]}, {"p": [0, 0, 2**40]}, {"p": [-1, 0, 0]}, {"p": ["1", 0, 0]},
     {"s": [2, "abc"]}, {"s": [2, str(2**70)]}, {"s": [4, "not-a-uuid"]}, {"s": [2, [1]]},
     {"q": [2**70]}, {"q": [-5]}, {"q": "abc"}],
    ids=["row-id-too-big", "txid-too-big", "nonce-too-big", "negative", "text-number", "key-not-a-number",
         "key-too-big", "key-not-a-uuid", "key-not-text", "pending-too-big", "pending-negative", "pending-text"],
)
def test_a_tampered_cursor_is_400_with_the_cursor_named(amy, world, fields):
    amy.sync_down()
    r = amy.pull(_forged(amy.cursor, **fields))
    assert r.status == 400
    assert "cursor" in r.json["errors"]["query"]


def test_a_cursor_from_another_epoch_is_409(amy, world, session):
    amy.sync_down()
    rotate_epoch(session)
    r = amy.pull(amy.cursor)
    assert r.status == 409
    assert "restored" in r.json["message"]


def test_a_cursor_older_than_the_retention_is_409(amy, world, session):
    amy.sync_down()
    make.part(session, "MISSED-PART", serialised=False)  # a change the phone never pulled…
    session.execute(sa.update(ChangeLogEntry).values(created_at=make.now() - timedelta(days=40)))
    make.part(session, "NEW-PART-1", serialised=False)
    assert prune_change_log(session, retention_days=30) > 0  # …is pruned away
    session.commit()
    r = amy.pull(amy.cursor)
    assert r.status == 409
    assert "30 days" in r.json["message"]


def test_a_cursor_the_server_never_issued_is_409(amy, world, session):
    amy.sync_down()
    doc = json.loads(base64.urlsafe_b64decode(amy.cursor + "=" * (-len(amy.cursor) % 4)))
    doc["p"][1] += 1000  # a position past anything this database has: it was restored from an older backup
    forged = base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")
    r = amy.pull(forged)
    assert r.status == 409
    assert "backup" in r.json["message"]


def test_a_caught_up_cursor_survives_pruning(amy, world, session):
    amy.sync_down()
    session.execute(sa.update(ChangeLogEntry).values(created_at=make.now() - timedelta(days=40)))
    make.part(session, "NEW-PART-1", serialised=False)
    prune_change_log(session, retention_days=30)
    session.commit()
    assert [c["data"]["part_number"] for c in amy.sync_down()] == ["NEW-PART-1"]


def test_full_resync_after_409_rebuilds_the_same_cache(amy, world, session):
    amy.sync_down()
    before = dict(amy.cache)
    rotate_epoch(session)
    assert amy.pull(amy.cursor).status == 409
    amy.cursor = None
    amy.sync_down()
    assert amy.cache == before


def test_a_dispatcher_cannot_pull(dana):
    assert dana.pull().status == 403


def test_job_created_by_a_dispatcher_reaches_the_phone_on_next_pull(amy, dana, world):
    amy.sync_down()
    r = dana.request("POST", "/api/v1/jobs", json={
        "site_id": world.south.id, "engineer_id": world.amy.id, "summary": "Collect switch",
        "window_start": make.now().isoformat(), "window_end": (make.now() + timedelta(hours=2)).isoformat()})
    assert r.status == 201
    amy.sync_down()
    assert str(r.json["id"]) in keys(amy, "job")
    assert str(world.south.id) in keys(amy, "site")


def remove_for_courier(app, phone, job_id, part_number="MED-BAT-V12", serial="MD00000001") -> str:
    """Log the removal of an item the engine leaves at the site for a courier (hazardous by default)."""
    ev = phone.new_event("part_removed", job_id, part_number=part_number, serial=serial, condition="faulty",
                         failure_code="electrical")
    assert phone.push([ev]).json["results"][0]["status"] == "accepted"
    run_due(app)
    return ev["id"]


def fresh_pull(phone_of, username: str) -> dict:
    phone = phone_of(username, device_id=f"fresh-{username}-phone")
    phone.sync_down()
    return phone.cache


def test_an_item_left_at_the_site_for_the_courier_stays_on_the_phone_with_its_instruction(app, amy, logistics, session):
    w = logistics.world
    amy.sync_down()
    line_id = remove_for_courier(app, amy, w.amy_job.id)
    changes = amy.sync_down()
    assert ("return_line", line_id, "delete") not in {(c["entity"], c["id"], c["op"]) for c in changes}
    line = amy.cached("return_line")[line_id]
    pickup = session.scalar(sa.select(Pickup))
    assert (line["travel_mode"], line["holder_kind"], line["status"]) == ("courier_pickup", "site", "awaiting_pickup")
    assert line["pickup_reference"] == pickup.reference and line["destination_facility_id"] is not None
    assert (line["pickup_window_start"], line["pickup_window_end"]) == (None, None)


def test_a_planned_pickup_brings_its_window_to_the_phone_and_collection_takes_the_line_off(
        app, amy, logistics, session):
    w = logistics.world
    line_id = remove_for_courier(app, amy, w.amy_job.id, "PRN-MFP-C550", "AR55555555")
    amy.sync_down()
    pickup = session.scalar(sa.select(Pickup))
    plan_day(session, DAY, w.dana)
    session.rollback()
    pickup = session.get(Pickup, pickup.id)
    assert pickup.status == PickupStatus.SCHEDULED
    amy.sync_down()
    line = amy.cached("return_line")[line_id]
    assert (line["status"], line["pickup_reference"]) == ("pickup_scheduled", pickup.reference)
    assert datetime.fromisoformat(line["pickup_window_start"]) == pickup.window_start
    assert datetime.fromisoformat(line["pickup_window_end"]) == pickup.window_end
    collect_pickup(session, pickup.id, w.dana)
    amy.sync_down()
    assert line_id not in keys(amy, "return_line")


def test_a_rescheduled_pickup_updates_the_window_on_the_phone_as_a_fresh_pull_shows_it(
        app, amy, phone_of, logistics, session):
    w = logistics.world
    line_id = remove_for_courier(app, amy, w.amy_job.id, "PRN-MFP-C550", "AR55555555")
    pickup = session.scalar(sa.select(Pickup))
    plan_day(session, DAY, w.dana)
    amy.sync_down()
    later = next_weekday(DAY + timedelta(days=1))
    move_pickup(session, pickup.id, later)
    plan_day(session, later, w.dana)
    amy.sync_down()
    line = amy.cached("return_line")[line_id]
    assert datetime.fromisoformat(line["pickup_window_start"]).date() == later
    assert amy.cache == fresh_pull(phone_of, "amy")


def test_an_item_carried_by_courier_is_not_sent_to_another_engineer(app, amy, ben, logistics, session):
    line_id = remove_for_courier(app, amy, logistics.world.amy_job.id)
    ben.sync_down()
    assert line_id not in keys(ben, "return_line")


def test_a_new_window_for_a_scheduled_pickup_reaches_the_phone(app, amy, logistics, session):
    line_id = remove_for_courier(app, amy, logistics.world.amy_job.id, "PRN-MFP-C550", "AR55555555")
    plan_day(session, DAY, logistics.world.dana)
    amy.sync_down()
    session.rollback()
    pickup = session.scalar(sa.select(Pickup))
    pickup.window_start, pickup.window_end = pickup.window_start + timedelta(hours=2), pickup.window_end + timedelta(hours=2)
    session.commit()
    amy.sync_down()
    assert datetime.fromisoformat(amy.cached("return_line")[line_id]["pickup_window_start"]) == pickup.window_start
