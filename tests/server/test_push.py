"""Push: every event stored once, accepted ones applied, rejected ones explained."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import HolderKind, ItemStatus, ReturnStatus
from phones import Phone
from server.models import BackgroundTask, CustodyEntry, Device, FieldEvent, ReturnLine, SerialisedItem
from server.models.types import utcnow


def removal(phone: Phone, world, serial="AR00000001", **extra):
    payload = {"part_number": "PRN-FUS-220", "serial": serial, "condition": "faulty", "failure_code": "no_power"}
    payload.update(extra)
    return phone.new_event("part_removed", world.amy_job.id, **payload)


def count(session, model, *where) -> int:
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_removed_part_becomes_a_return_line_held_by_the_engineer(amy, world, session):
    ev = removal(amy, world)
    r = amy.push([ev])
    assert r.status == 200
    assert r.json["results"] == [{"id": ev["id"], "seq": 1, "status": "accepted", "return_line_id": ev["id"]}]

    session.rollback()
    line = session.get(ReturnLine, uuid.UUID(ev["id"]))
    assert line.status == ReturnStatus.AWAITING_DISPOSITION
    assert (line.holder_kind, line.holder_id) == (HolderKind.ENGINEER, world.amy.id)
    assert line.origin_site_id == world.north.id and line.job_id == world.amy_job.id
    assert line.serial == "AR00000001" and line.condition == "faulty" and line.failure_code == "no_power"
    item = session.get(SerialisedItem, world.north_fuser.id)
    assert (item.status, item.location_kind, item.location_id) == (ItemStatus.REMOVED, HolderKind.ENGINEER, world.amy.id)
    custody = session.scalars(sa.select(CustodyEntry).where(CustodyEntry.return_line_id == line.id)).all()
    assert [(c.holder_kind, c.holder_id) for c in custody] == [(HolderKind.ENGINEER, world.amy.id)]


def test_accepted_removal_queues_the_logistics_engine(amy, world, session):
    ev = removal(amy, world)
    amy.push([ev])
    tasks = session.scalars(sa.select(BackgroundTask).where(BackgroundTask.name == "decide_return_lines")).all()
    assert [t.args for t in tasks] == [{"return_line_ids": [ev["id"]]}]


def test_equipment_collected_becomes_a_return_line(amy, world, session):
    ev = amy.new_event("equipment_collected", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                       condition="working")
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    assert session.scalar(sa.select(ReturnLine.origin)) == "equipment_collected"


def test_non_serialised_parts_come_back_as_one_line_with_a_quantity(amy, world, session):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", quantity=4, condition="working")
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    assert session.execute(sa.select(ReturnLine.quantity, ReturnLine.serial)).one() == (4, None)


def test_replayed_event_is_stored_once_and_answers_duplicate(amy, world, session):
    ev = removal(amy, world)
    first = amy.push([ev]).json["results"][0]
    for _ in range(3):
        again = amy.push([ev]).json["results"][0]
        assert again["status"] == "duplicate"
        assert again["original_status"] == "accepted"
        assert again["return_line_id"] == first["return_line_id"]
    assert count(session, FieldEvent) == 1
    assert count(session, ReturnLine) == 1
    assert count(session, CustodyEntry) == 1


def test_same_event_id_from_another_device_or_seq_is_still_stored_once(amy, phone_of, world, session):
    ev = removal(amy, world)
    amy.push([ev])
    second_phone = phone_of("amy", device_id="amy-second-phone")
    r = second_phone.push([{**ev, "seq": 7}])
    assert r.json["results"][0]["status"] == "duplicate"
    r = amy.push([{**ev, "seq": 99}])
    assert r.json["results"][0]["status"] == "duplicate"
    assert count(session, FieldEvent) == 1
    assert count(session, ReturnLine) == 1


def test_same_event_twice_in_one_batch_is_stored_once(amy, world, session):
    ev = removal(amy, world)
    results = amy.push([ev, ev]).json["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert results[1]["original_status"] == "accepted"
    assert count(session, FieldEvent) == 1


def test_a_new_event_reusing_a_seq_is_rejected(amy, world, session):
    amy.push([removal(amy, world)])
    reused = make.event("part_removed", 1, world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = amy.push([reused]).json["results"][0]
    assert r["status"] == "rejected"
    assert "seq" in r["errors"]
    assert count(session, FieldEvent) == 1


def test_rejected_event_does_not_block_the_accepted_ones_in_its_batch(amy, world, session):
    good = removal(amy, world)
    unknown_part = amy.new_event("part_removed", world.amy_job.id, part_number="NOPE-1", condition="faulty")
    bad_condition = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="melted")
    later_good = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = amy.push([good, unknown_part, bad_condition, later_good])
    assert r.status == 200
    assert [x["status"] for x in r.json["results"]] == ["accepted", "rejected", "rejected", "accepted"]
    assert r.json["results"][1]["errors"] == {"payload": {"part_number": ["Unknown part number 'NOPE-1'."]}}
    assert "condition" in r.json["results"][2]["errors"]["payload"]
    assert count(session, ReturnLine) == 2
    assert r.json["highest_contiguous_seq"] == 4


def test_rejected_event_replayed_gets_the_same_reasons(amy, world, session):
    bad = amy.new_event("part_removed", world.amy_job.id, part_number="NOPE-1", condition="faulty")
    first = amy.push([bad]).json["results"][0]
    again = amy.push([bad]).json["results"][0]
    assert again["status"] == "duplicate" and again["original_status"] == "rejected"
    assert again["errors"] == first["errors"]
    assert count(session, ReturnLine) == 0


def test_event_against_a_job_never_assigned_is_rejected(amy, world, session):
    ev = amy.new_event("part_removed", world.ben_job.id, part_number="PRN-FUS-220", serial="AR00000002",
                       condition="faulty")
    r = amy.push([ev]).json["results"][0]
    assert r["status"] == "rejected"
    assert "never was, assigned to you" in r["errors"]["job_id"][0]
    assert count(session, ReturnLine) == 0
    session.rollback()
    assert session.get(SerialisedItem, world.south_fuser.id).status == ItemStatus.INSTALLED


def test_event_logged_before_a_reassignment_is_accepted_and_flagged(amy, world, session):
    from server.services.work.jobs import update_job

    ev = removal(amy, world)
    update_job(session, world.amy_job.id, {"engineer_id": world.ben.id}, world.dana)
    r = amy.push([ev]).json["results"][0]
    assert r["status"] == "accepted"
    assert "after_reassignment" in session.scalar(sa.select(FieldEvent.flags))


def test_serial_already_on_its_way_back_is_rejected(amy, world, session):
    amy.push([removal(amy, world)])
    again = removal(amy, world)
    r = amy.push([again]).json["results"][0]
    assert r["status"] == "rejected"
    assert r["errors"]["payload"]["serial"] == ["AR00000001 is already logged as on its way back (removed on "
                                             f"{utcnow():%d %b %Y})."]


def test_serial_that_does_not_match_the_part_format_is_rejected(amy, world):
    r = amy.push([removal(amy, world, serial="XX12")]).json["results"][0]
    assert r["status"] == "rejected"
    assert r["errors"] == {"payload": {"serial": ["'XX12' is not a valid serial for PRN-FUS-220."]}}


def test_unknown_serial_is_accepted_and_added_to_the_installed_base(amy, world, session):
    r = amy.push([removal(amy, world, serial="AR99999999")]).json["results"][0]
    assert r["status"] == "accepted"
    assert "serial_not_in_installed_base" in session.scalar(sa.select(FieldEvent.flags))
    assert session.scalar(sa.select(SerialisedItem.status).where(SerialisedItem.serial == "AR99999999")) == "removed"


def test_part_can_be_removed_and_handed_over_in_one_batch(amy, world, session):
    ev = removal(amy, world)
    handover = amy.new_event("return_handed_over", None, return_line_id=ev["id"], facility_id=world.depot.id)
    r = amy.push([ev, handover]).json["results"]
    assert [x["status"] for x in r] == ["accepted", "accepted"]
    session.rollback()
    line = session.scalar(sa.select(ReturnLine))
    assert line.status == ReturnStatus.DELIVERED
    assert (line.holder_kind, line.holder_id) == (HolderKind.FACILITY, world.depot.id)
    custody = session.scalars(sa.select(CustodyEntry).order_by(CustodyEntry.id)).all()
    assert [c.holder_kind for c in custody] == [HolderKind.ENGINEER, HolderKind.FACILITY]
    assert session.get(SerialisedItem, world.north_fuser.id).location_kind == HolderKind.FACILITY


def test_events_of_a_batch_are_applied_in_seq_order(amy, world, session):
    ev = removal(amy, world)
    handover = amy.new_event("return_handed_over", None, return_line_id=ev["id"], facility_id=world.depot.id)
    r = amy.push([handover, ev]).json["results"]
    assert [x["status"] for x in r] == ["accepted", "accepted"]


def test_handing_over_a_line_someone_else_holds_is_rejected(amy, ben, world, session):
    ev = removal(amy, world)
    amy.push([ev])
    steal = ben.new_event("return_handed_over", None, return_line_id=ev["id"], facility_id=world.depot.id)
    r = ben.push([steal]).json["results"][0]
    assert r["status"] == "rejected"
    assert r["errors"] == {"payload": {"return_line_id": ["This return line is not in your custody."]}}


def test_job_completed_closes_the_job_once(amy, world, session):
    done = amy.new_event("job_completed", world.amy_job.id, notes="Fuser replaced", customer_signoff_name="Sam")
    assert amy.push([done]).json["results"][0]["status"] == "accepted"
    again = amy.new_event("job_completed", world.amy_job.id)
    r = amy.push([again]).json["results"][0]
    assert r["status"] == "rejected" and "cannot be completed again" in r["errors"]["job_id"][0]
    session.rollback()
    from server.models import Job

    job = session.get(Job, world.amy_job.id)
    assert (job.status, job.notes, job.customer_signoff_name) == ("completed", "Fuser replaced", "Sam")


def test_part_installed_puts_the_serial_in_the_installed_base(amy, world, session):
    ev = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR12345678")
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    item = session.scalar(sa.select(SerialisedItem).where(SerialisedItem.serial == "AR12345678"))
    assert (item.status, item.site_id) == (ItemStatus.INSTALLED, world.north.id)


def test_seq_gap_is_reported_to_the_phone_and_to_dispatchers(amy, dana, world, session):
    events = [removal(amy, world), amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")]
    amy.seq += 2  # two entries the phone numbered but never delivered
    events.append(amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working"))
    r = amy.push(events)
    assert r.json["highest_contiguous_seq"] == 2
    assert r.json["missing_seqs"] == [3, 4]
    devices = dana.request("GET", "/api/v1/devices", params={"with_gaps": "true"}).json["items"]
    assert [(d["device_uid"], d["missing_seqs"]) for d in devices] == [(amy.device_id, [3, 4])]
    assert devices[0]["gap_since"] is not None


def test_late_delivery_closes_the_gap(amy, world, session):
    first, second, third = (amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT",
                                          condition="working") for _ in range(3))
    amy.push([first, third])
    r = amy.push([second])
    assert (r.json["highest_contiguous_seq"], r.json["missing_seqs"]) == (3, [])
    session.rollback()
    assert session.scalar(sa.select(Device.gap_since)) is None


def test_implausible_device_time_is_kept_and_flagged(amy, world, session):
    tomorrow = make.now() + timedelta(days=1)
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    ev["occurred_at"] = tomorrow.isoformat()
    r = amy.push([ev], sent_at=tomorrow.isoformat())
    assert r.json["results"][0]["status"] == "accepted"
    stored = session.scalar(sa.select(FieldEvent))
    assert stored.occurred_at == tomorrow.replace(microsecond=stored.occurred_at.microsecond)
    assert set(stored.flags) >= {"clock_future", "clock_offset"}
    assert abs(stored.device_clock_offset_s - 86400) < 60


def test_week_old_entry_is_flagged_stale_but_accepted(amy, world, session):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    ev["occurred_at"] = (make.now() - timedelta(days=7)).isoformat()
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    assert session.scalar(sa.select(FieldEvent.flags)) == ["clock_stale"]
