"""From a logged removal to a decided, travelling return line."""

import uuid

import pytest
import sqlalchemy as sa

from common.enums import Disposition, HolderKind, PickupStatus, ReturnStatus, TravelMode
from server.models import CustodyEntry, DispositionRecord, Pickup, ReturnLine
from server.runner import run_due
from server.services.returns.overrides import override_disposition


def remove(phone, job_id, part_number, serial, condition="faulty", failure_code="no_power"):
    ev = phone.new_event("part_removed", job_id, part_number=part_number, serial=serial, condition=condition,
                         failure_code=failure_code)
    assert phone.push([ev]).json["results"][0]["status"] == "accepted"
    return uuid.UUID(ev["id"])


def line(session, line_id) -> ReturnLine:
    session.rollback()
    return session.get(ReturnLine, line_id)


def test_a_removed_part_gets_a_disposition_reason_value_destination_and_travel_mode(app, amy, logistics, session):
    w = logistics.world
    line_id = remove(amy, w.amy_job.id, "PRN-FUS-220", "AR00000001")
    run_due(app)
    decided = line(session, line_id)
    assert decided.disposition in set(Disposition)
    assert decided.destination_facility_id is not None
    assert decided.expected_value is not None
    assert decided.travel_mode in set(TravelMode)
    assert decided.disposition_reason and str(decided.expected_value.to_integral()) in decided.disposition_reason.replace(",", "")
    records = session.scalars(sa.select(DispositionRecord).where(DispositionRecord.return_line_id == line_id)).all()
    assert [(r.disposition, r.decided_by_id) for r in records] == [(decided.disposition, None)]


def test_a_light_part_on_the_engineers_way_is_carried_back(app, amy, logistics, session):
    line_id = remove(amy, logistics.world.amy_job.id, "PRN-FUS-220", "AR00000001")
    run_due(app)
    decided = line(session, line_id)
    assert decided.travel_mode == TravelMode.CARRY_BACK
    assert decided.status == ReturnStatus.WITH_ENGINEER
    assert (decided.holder_kind, decided.holder_id) == (HolderKind.ENGINEER, logistics.world.amy.id)
    assert decided.pickup_id is None
    amy.sync_down()
    assert amy.cached("return_line")[str(line_id)]["travel_mode"] == "carry_back"


@pytest.mark.parametrize("part_number, serial", [("PRN-MFP-C550", "AR55555555"), ("MED-BAT-V12", "MD00000001")],
                         ids=["too-heavy", "hazardous"])
def test_an_item_that_cannot_be_carried_waits_at_the_site_for_a_courier(app, amy, logistics, session, part_number, serial):
    line_id = remove(amy, logistics.world.amy_job.id, part_number, serial, failure_code="electrical")
    run_due(app)
    decided = line(session, line_id)
    assert decided.travel_mode == TravelMode.COURIER_PICKUP
    assert decided.status == ReturnStatus.AWAITING_PICKUP
    assert (decided.holder_kind, decided.holder_id) == (HolderKind.SITE, logistics.world.north.id)
    assert decided.pickup.status == PickupStatus.OPEN and decided.pickup.site_id == logistics.world.north.id
    custody = session.scalars(sa.select(CustodyEntry.holder_kind).where(CustodyEntry.return_line_id == line_id)
                              .order_by(CustodyEntry.id)).all()
    assert custody == [HolderKind.ENGINEER, HolderKind.SITE]
    amy.sync_down()
    assert amy.cached("return_line")[str(line_id)]["holder_kind"] == "site"  # shown as "leave at the site"


def test_hazardous_items_only_go_to_certified_facilities(app, amy, logistics, session):
    line_id = remove(amy, logistics.world.amy_job.id, "MED-BAT-V12", "MD00000001", failure_code="battery_swelling")
    run_due(app)
    decided = line(session, line_id)
    assert decided.disposition == Disposition.RECYCLE
    assert decided.destination_facility_id in {logistics.world.recycler.id, logistics.refurb.id}


def test_a_removed_li_ion_battery_is_recycled_under_the_battery_rule_and_its_co2e_counted(app, amy, logistics, session):
    """Scrapping it would cost less, but a certified recycler is in the network."""
    logistics.battery.embodied_co2e_kg, logistics.battery.material_recovery_share = 8.0, 0.5
    session.commit()
    line_id = remove(amy, logistics.world.amy_job.id, "MED-BAT-V12", "MD00000001")
    run_due(app)
    decided = line(session, line_id)
    assert (decided.disposition, decided.destination_facility_id) == (Disposition.RECYCLE, logistics.world.recycler.id)
    assert "Scrapping is not allowed (EU Battery Regulation 2023/1542" in decided.disposition_reason
    assert "+€0.32 carbon (4 kg CO2e avoided × €80/t)" in decided.disposition_reason
    assert decided.co2e_avoided_kg == pytest.approx(8.0 * 0.5)
    scrap = next(a for a in decided.alternatives if a["disposition"] == "scrap")
    assert scrap["note"].startswith("Not allowed: EU Battery Regulation 2023/1542")


def test_lines_at_the_same_site_share_one_pickup(app, amy, logistics, session):
    first = remove(amy, logistics.world.amy_job.id, "PRN-MFP-C550", "AR55555555")
    second = remove(amy, logistics.world.amy_job.id, "MED-BAT-V12", "MD00000001")
    run_due(app)
    assert line(session, first).pickup_id == line(session, second).pickup_id is not None
    assert session.scalar(sa.select(sa.func.count()).select_from(Pickup)) == 1


def test_duplicate_events_never_create_a_second_line_or_decision(app, amy, logistics, session):
    ev = amy.new_event("part_removed", logistics.world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                       condition="faulty")
    amy.push([ev])
    amy.push([ev])
    run_due(app)
    run_due(app)
    assert session.scalar(sa.select(sa.func.count()).select_from(ReturnLine)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(DispositionRecord)) == 1


def test_dispatcher_override_needs_a_comment_and_is_kept_with_its_author(app, amy, dana, logistics, session):
    w = logistics.world
    line_id = remove(amy, w.amy_job.id, "PRN-FUS-220", "AR00000001")
    run_due(app)
    no_comment = dana.request("PUT", f"/api/v1/returns/{line_id}/disposition", json={"disposition": "recycle", "comment": ""})
    assert no_comment.status == 422 and "comment" in no_comment.json["errors"]["json"]
    r = dana.request("PUT", f"/api/v1/returns/{line_id}/disposition",
                     json={"disposition": "recycle", "comment": "Customer damaged it; not worth refurbishing"})
    assert r.status == 200
    assert r.json["disposition"] == "recycle"
    assert r.json["destination_facility_id"] == w.recycler.id
    assert r.json["disposition_overridden_by_id"] == w.dana.id
    assert r.json["override_comment"] == "Customer damaged it; not worth refurbishing"
    assert line(session, line_id).co2e_avoided_kg == pytest.approx(2.8 * 12.0 * 0.35)  # the fuser's printer defaults
    records = session.scalars(sa.select(DispositionRecord).where(DispositionRecord.return_line_id == line_id)
                              .order_by(DispositionRecord.id)).all()
    assert [(r.decided_by_id, r.disposition) for r in records][-1] == (w.dana.id, Disposition.RECYCLE)
    assert len(records) == 2


def test_override_to_scrap_a_battery_while_a_certified_recycler_is_reachable_is_refused(app, amy, dana, logistics,
                                                                                        session):
    line_id = remove(amy, logistics.world.amy_job.id, "MED-BAT-V12", "MD00000001")
    run_due(app)
    r = dana.request("PUT", f"/api/v1/returns/{line_id}/disposition",
                     json={"disposition": "scrap", "comment": "Cheaper to scrap"})
    assert r.status == 422
    assert r.json["errors"]["disposition"] == [
        "Scrapping is not allowed (EU Battery Regulation 2023/1542: waste batteries go to a certified recycler) "
        "while a certified recycler is reachable."
    ]
    assert line(session, line_id).disposition == Disposition.RECYCLE
    assert session.scalar(sa.select(sa.func.count()).select_from(DispositionRecord)) == 1


def test_override_to_a_facility_that_cannot_do_it_is_refused(app, amy, dana, logistics, session):
    line_id = remove(amy, logistics.world.amy_job.id, "PRN-FUS-220", "AR00000001")
    run_due(app)
    r = dana.request("PUT", f"/api/v1/returns/{line_id}/disposition",
                     json={"disposition": "refurbish", "comment": "try", "facility_id": logistics.world.recycler.id})
    assert r.status == 422 and "facility_id" in r.json["errors"]


def test_a_line_left_for_the_courier_moves_to_the_site_when_the_job_is_completed(app, amy, logistics, session):
    w = logistics.world
    line_id = remove(amy, w.amy_job.id, "PRN-FUS-220", "AR00000001")
    run_due(app)
    # Recycling it at Oldham is off the engineer's way home: a courier will collect it from the site.
    override_disposition(session, line_id, Disposition.RECYCLE, "send to the recycler", w.dana)
    waiting = line(session, line_id)
    assert (waiting.travel_mode, waiting.holder_kind) == (TravelMode.COURIER_PICKUP, HolderKind.ENGINEER)
    amy.push([amy.new_event("job_completed", w.amy_job.id)])
    left = line(session, line_id)
    assert (left.holder_kind, left.holder_id, left.status) == (HolderKind.SITE, w.north.id, ReturnStatus.AWAITING_PICKUP)


def test_a_line_decided_after_the_engineer_left_the_site_is_carried_back(app, amy, logistics, session):
    w = logistics.world
    ev = amy.new_event("part_removed", w.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                       condition="working")
    done = amy.new_event("job_completed", w.amy_job.id)
    amy.push([ev, done])  # logged offline, synced after leaving
    run_due(app)
    decided = line(session, uuid.UUID(ev["id"]))
    assert decided.travel_mode == TravelMode.CARRY_BACK
    assert "in their van" in decided.disposition_reason


def test_handing_over_a_line_waiting_for_a_courier_takes_it_off_the_pickup(app, amy, logistics, session):
    w = logistics.world
    line_id = remove(amy, w.amy_job.id, "PRN-FUS-220", "AR00000001")
    run_due(app)
    override_disposition(session, line_id, Disposition.RECYCLE, "to the recycler", w.dana)
    assert line(session, line_id).pickup_id is not None
    amy.push([amy.new_event("return_handed_over", None, return_line_id=str(line_id), facility_id=w.depot.id)])
    handed = line(session, line_id)
    assert (handed.status, handed.pickup_id) == (ReturnStatus.DELIVERED, None)
