"""Receipts and processing: the ledger movements they give and the append-only processing record."""

import uuid

import pytest
import sqlalchemy as sa

from common.enums import Disposition, MovementKind, ProcessingOutcome, ReturnStatus, StockGrade, StockLocationKind
from server.models import DispositionRecord, ProcessingRecord, ReturnLine, StockMovement
from server.runner import run_due
from server.services.stock import ledger


def received_fuser(app, amy, dana, logistics, serial: str = "AR00000001") -> uuid.UUID:
    """Amy's worn fuser (no vendor claim for wear): decided for refurbishment, received at the refurbishment centre."""
    ev = amy.new_event("part_removed", logistics.world.amy_job.id, part_number="PRN-FUS-220", serial=serial,
                       condition="faulty", failure_code="mechanical_wear")
    amy.push([ev])
    run_due(app)
    r = dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.refurb.id,
                                                               "return_line_id": ev["id"]})
    assert r.status == 200, r.json
    return uuid.UUID(ev["id"])


def stock_at(session, facility, part, grade: StockGrade) -> int:
    session.rollback()
    return ledger.balance(session, ledger.location_for(session, StockLocationKind.FACILITY, facility.id).id,
                          part.id, grade)


def records_of(session, line_id) -> list[ProcessingRecord]:
    session.rollback()
    return session.scalars(sa.select(ProcessingRecord).where(ProcessingRecord.return_line_id == line_id)
                           .order_by(ProcessingRecord.id)).all()


def test_a_receipt_brings_the_unit_into_the_facilitys_faulty_stock(app, amy, dana, logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    assert stock_at(session, logistics.refurb, logistics.world.fuser, StockGrade.FAULTY) == 1
    receipt = session.scalars(sa.select(StockMovement).where(StockMovement.return_line_id == line_id)).one()
    assert (receipt.kind, receipt.from_location_id, receipt.serial) == (MovementKind.RECEIPT, None, "AR00000001")


def test_a_refurbished_unit_is_recorded_with_who_did_it_and_becomes_refurbished_stock(app, amy, dana, logistics,
                                                                                    session):
    line_id = received_fuser(app, amy, dana, logistics)
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={
        "outcome": "refurbished", "recovered_value": "150.00", "hours": 1.5, "notes": "New thermistor",
        "parts_used": [{"part_number": "PRN-RLR-KIT", "quantity": 1}]})
    assert r.status == 200 and r.json["status"] == "processed"
    [record] = records_of(session, line_id)
    assert (record.outcome, record.hours, record.notes, record.recorded_by_id, record.facility_id) == (
        ProcessingOutcome.REFURBISHED, 1.5, "New thermistor", logistics.world.dana.id, logistics.refurb.id)
    assert record.parts_used == [{"part_number": "PRN-RLR-KIT", "quantity": 1}]
    assert stock_at(session, logistics.refurb, logistics.world.fuser, StockGrade.FAULTY) == 0
    assert stock_at(session, logistics.refurb, logistics.world.fuser, StockGrade.REFURBISHED) == 1


def test_processing_records_cannot_be_changed_or_deleted(app, amy, dana, logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "refurbished", "recovered_value": "90"})
    [record] = records_of(session, line_id)
    record.notes = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()
    session.delete(records_of(session, line_id)[0])
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_a_processed_line_cannot_be_processed_again_and_keeps_its_one_record(app, amy, dana, logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "refurbished", "recovered_value": "90"})
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "scrapped"})
    assert r.status == 409
    assert len(records_of(session, line_id)) == 1


def test_recycling_needs_the_weight_and_the_recyclers_certificate_and_writes_nothing_without(app, amy, dana,
                                                                                             logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "recycled"})
    assert r.status == 422
    assert set(r.json["errors"]) == {"weight_kg", "certificate_number"}
    assert records_of(session, line_id) == []
    assert session.get(ReturnLine, line_id).status == ReturnStatus.RECEIVED


def test_a_vendor_credit_needs_the_rma_number_and_the_credit_received(app, amy, dana, logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "credited", "credit": "120.00"})
    assert r.status == 422 and set(r.json["errors"]) == {"rma_number"}
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome",
                     json={"outcome": "credited", "credit": "120.00", "rma_number": "RMA-88121"})
    assert r.status == 200 and r.json["recovered_value"] == "120.00"
    [record] = records_of(session, line_id)
    assert (record.rma_number, str(record.credit)) == ("RMA-88121", "120.00")
    assert stock_at(session, logistics.refurb, logistics.world.fuser, StockGrade.FAULTY) == 0  # gone to the vendor


def test_a_recycled_unit_becomes_scrap_at_the_facility(app, amy, dana, logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome",
                     json={"outcome": "recycled", "weight_kg": 2.8, "certificate_number": "OCR-2026-0042"})
    assert r.status == 200
    assert records_of(session, line_id)[0].certificate_number == "OCR-2026-0042"
    assert stock_at(session, logistics.refurb, logistics.world.fuser, StockGrade.SCRAP) == 1


def test_an_unknown_part_used_is_refused_on_its_field(app, amy, dana, logistics):
    line_id = received_fuser(app, amy, dana, logistics)
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={
        "outcome": "refurbished", "recovered_value": "90", "parts_used": [{"part_number": "NOPE-1", "quantity": 1}]})
    assert r.status == 422 and r.json["errors"]["parts_used"] == ["Unknown part number NOPE-1."]


def test_a_failed_refurbishment_stays_received_and_the_engine_decides_again_naming_the_failure(app, amy, dana,
                                                                                               logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    assert session.get(ReturnLine, line_id).disposition == Disposition.REFURBISH
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome",
                     json={"outcome": "refurbish_failed", "hours": 2.0, "notes": "heater coil burnt out"})
    assert r.status == 200
    assert r.json["status"] == "received"
    assert r.json["disposition"] == "recycle"
    assert r.json["disposition_reason"].startswith(
        "Refurbishment failed at Facility SQR (heater coil burnt out); decided again. Recycle at ")
    last = session.scalars(sa.select(DispositionRecord).where(DispositionRecord.return_line_id == line_id)
                           .order_by(DispositionRecord.id.desc()).limit(1)).one()
    assert (last.disposition, last.decided_by_id) == (Disposition.RECYCLE, logistics.world.dana.id)
    assert stock_at(session, logistics.refurb, logistics.world.fuser, StockGrade.FAULTY) == 1  # not moved yet


def test_after_a_failed_refurbishment_the_item_can_be_recycled_and_both_steps_are_listed(app, amy, dana, logistics,
                                                                                         session):
    line_id = received_fuser(app, amy, dana, logistics)
    dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "refurbish_failed", "hours": 2.0})
    dana.request("POST", f"/api/v1/returns/{line_id}/outcome",
                 json={"outcome": "recycled", "weight_kg": 2.8, "certificate_number": "OCR-2026-0043"})
    r = dana.request("GET", f"/api/v1/returns/{line_id}/processing")
    assert r.status == 200
    assert [(p["outcome"], p["recorded_by"]) for p in r.json] == [("refurbish_failed", "Dana"), ("recycled", "Dana")]


def test_only_an_item_sent_for_refurbishment_can_fail_it(app, amy, dana, logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "refurbish_failed"})
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "refurbish_failed"})
    assert r.status == 422 and "outcome" in r.json["errors"]


def test_the_processing_records_of_an_unknown_line_are_not_found(dana, logistics):
    assert dana.request("GET", f"/api/v1/returns/{uuid.uuid4()}/processing").status == 404


def test_a_failed_refurbishment_prices_transport_from_the_facility_that_holds_the_item(app, amy, dana, logistics,
                                                                                      session):
    logistics.refurb.capabilities = [*logistics.refurb.capabilities, "recycle"]
    session.commit()
    line_id = received_fuser(app, amy, dana, logistics)
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "refurbish_failed"})
    assert "Recycle at Facility SQR: expected €0.70 (2.8 kg × €0.25/kg printer recycling rate − €0 transport)" in \
        r.json["disposition_reason"]


def test_a_note_the_database_cannot_hold_is_refused_on_its_field(app, amy, dana, logistics, session):
    line_id = received_fuser(app, amy, dana, logistics)
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome",
                     json={"outcome": "refurbished", "recovered_value": "90", "notes": "burnt\x00out"})
    assert r.status == 422 and "notes" in r.json["errors"]["json"]
    assert records_of(session, line_id) == []
