"""Receiving, processing outcomes, chasing overdue lines, and the figures."""

import uuid
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from common.enums import ItemStatus
from server import clock
from server.models import Notification, ReturnLine, SerialisedItem
from server.runner import run_due
from server.services.returns.chasing import chase_overdue
from server.services.returns.figures import compute_figures


def carried_line(app, amy, logistics) -> uuid.UUID:
    ev = amy.new_event("part_removed", logistics.world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                       condition="faulty", failure_code="no_power")
    amy.push([ev])
    run_due(app)
    return uuid.UUID(ev["id"])


def test_a_facility_receives_a_scanned_serial(app, amy, dana, logistics, session):
    line_id = carried_line(app, amy, logistics)
    r = dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.refurb.id, "serial": "AR00000001"})
    assert r.status == 200
    assert r.json["id"] == str(line_id)
    assert (r.json["status"], r.json["holder_kind"], r.json["holder_id"]) == ("received", "facility", logistics.refurb.id)
    assert r.json["received_condition"] == "faulty"


def test_unknown_scan_is_404_and_missing_scan_is_422(dana, logistics):
    assert dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.refurb.id,
                                                                  "serial": "NOPE"}).status == 404
    r = dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.refurb.id})
    assert r.status == 422 and "serial" in r.json["errors"]["json"]


def test_refurbishing_records_the_value_and_puts_the_item_in_stock(app, amy, dana, logistics, session):
    line_id = carried_line(app, amy, logistics)
    dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.refurb.id, "return_line_id": str(line_id)})
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "refurbished", "recovered_value": "150.00"})
    assert r.status == 200 and r.json["status"] == "processed" and r.json["recovered_value"] == "150.00"
    session.rollback()
    assert session.scalar(sa.select(SerialisedItem.status).where(SerialisedItem.serial == "AR00000001")) == ItemStatus.IN_STOCK


def test_recycling_values_the_weight_at_the_recycling_rate(app, amy, dana, logistics, session):
    line_id = carried_line(app, amy, logistics)
    dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.world.recycler.id, "return_line_id": str(line_id)})
    r = dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "recycled", "weight_kg": 4.0,
                                                                                  "certificate_number": "OCR-2026-0042"})
    assert Decimal(r.json["recovered_value"]) == Decimal("1.00")  # 4 kg × 0.25 (printer rate in rules.toml)


def test_an_item_not_yet_received_cannot_be_processed(app, amy, dana, logistics):
    line_id = carried_line(app, amy, logistics)
    assert dana.request("POST", f"/api/v1/returns/{line_id}/outcome", json={"outcome": "recycled"}).status == 409


def test_overdue_lines_are_flagged_once_and_both_dispatcher_and_holder_are_told(app, amy, dana, logistics, session):
    for user in (logistics.world.dana, logistics.world.amy):
        user.email = f"{user.username}@fieldloop.example"
    session.commit()
    line_id = carried_line(app, amy, logistics)
    later = clock.now() + timedelta(days=11)
    assert chase_overdue(session, pickup_days=10, receive_days=5, now=later) == 1
    assert chase_overdue(session, pickup_days=10, receive_days=5, now=later) == 0
    session.commit()
    recipients = session.scalars(sa.select(Notification.recipient).where(Notification.kind == "overdue_alert")).all()
    assert sorted(recipients) == ["amy@fieldloop.example", "dana@fieldloop.example"]
    listed = dana.request("GET", "/api/v1/returns", params={"overdue": "true"}).json["items"]
    assert [line["id"] for line in listed] == [str(line_id)]
    assert dana.request("POST", f"/api/v1/returns/{line_id}/chase").status == 204
    assert session.scalar(sa.select(sa.func.count()).select_from(Notification).where(Notification.kind == "overdue_alert")) == 4


def test_figures_follow_the_data(app, amy, dana, logistics, session):
    first = carried_line(app, amy, logistics)
    second = amy.new_event("part_removed", logistics.world.amy_job.id, part_number="PRN-RLR-KIT", quantity=2,
                           condition="working")
    amy.push([second])
    run_due(app)
    dana.request("POST", "/api/v1/facility/receive", json={"facility_id": logistics.refurb.id, "return_line_id": str(first)})
    dana.request("POST", f"/api/v1/returns/{first}/outcome", json={"outcome": "refurbished", "recovered_value": "100"})
    figures = dana.request("GET", "/api/v1/figures").json
    assert figures["lines_removed"] == 2 and figures["lines_received"] == 1
    assert figures["recovery_rate"] == 0.5
    assert figures["value_recovered"] == 100.0
    expected = session.scalar(sa.select(ReturnLine.expected_value).where(ReturnLine.id == first))
    assert figures["value_expected"] == float(expected)
    assert figures["cycle_time_median_days"] is not None and figures["cycle_time_median_days"] < 1
    assert sum(figures["open_by_age"].values()) == 1
    assert compute_figures(session)["lines_removed"] == 2
