"""The refurbishment queue page and the closed loop's figures on the overview, in a real browser."""

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from common.enums import HolderKind, MovementKind, ReturnStatus, StockGrade, StockLocationKind
from server.models import StockTarget
from server.services.stock import ledger


@pytest.fixture
def bench_queue(session, yard, make_lines):
    """At the refurbishment centre (6 h per weekday): a fuser received 5 days ago, and a colour MFP received
    yesterday that the centre wants 1 of and holds none; two installs from Amy's van, one refurbished."""
    now = datetime.now(timezone.utc)
    yard.refurb.bench_hours_per_weekday = 6.0
    yard.printer.refurbishment_hours = 4.0
    at_bench = dict(status=ReturnStatus.RECEIVED, holder_kind=HolderKind.FACILITY, holder_id=yard.refurb.id,
                    co2e_avoided_kg=40.0)
    make_lines(1, serial="AR00000011", received_at=now - timedelta(days=5), **at_bench)
    make_lines(1, serial="AR55555555", part_number_id=yard.printer.id, received_at=now - timedelta(days=1), **at_bench)
    session.add(StockTarget(facility_id=yard.refurb.id, part_number_id=yard.printer.id, quantity=1))
    van = ledger.location_for(session, StockLocationKind.VAN, yard.amy.id)
    for n, grade in enumerate((StockGrade.REFURBISHED, StockGrade.NEW)):
        ledger.record_movement(session, MovementKind.INSTALL, f"install:{n}", part_number_id=yard.fuser.id,
                               quantity=1, source=(van, grade))
    session.commit()
    return yard


def test_a_dispatcher_reads_the_refurbishment_queue_with_the_part_under_target_first(laptop, bench_queue,
                                                                                    sign_in_as, shoot):
    sign_in_as(laptop, "dana")
    laptop.get_by_role("navigation", name="Console").get_by_role("link", name="Refurbishment").click()
    section = laptop.locator(f"#bench-{bench_queue.refurb.id}")
    expect(section).to_contain_text("6 h, 0 h used, 6 h left")
    expect(section).to_contain_text("2 waiting, 5 h of work")
    rows = section.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("PRN-MFP-C550")
    expect(rows.nth(0)).to_contain_text("Under target: 0 ready of 1 target")
    expect(rows.nth(1)).to_contain_text("PRN-FUS-220")
    expect(rows.nth(1)).to_contain_text("5.0 days")
    shoot(laptop, "bench")


def test_the_overview_shows_co2e_avoided_circularity_and_the_bench_queues(laptop, bench_queue, sign_in_as):
    sign_in_as(laptop, "dana")
    expect(laptop.locator("body")).to_have_attribute("data-charts-ready", "10")
    tiles = laptop.get_by_role("region", name="Figures for the period")
    expect(tiles).to_contain_text("80 kg")
    expect(tiles).to_contain_text("50 %")
    expect(tiles).to_contain_text("1 of 2 installs refurbished or reused")
    expect(laptop.locator("#bench-queues")).to_contain_text("Facility SQR")
    expect(laptop.locator("#chart-hierarchy")).to_be_visible()
    expect(laptop.locator("#chart-bench")).to_be_visible()


def test_a_facility_without_items_waiting_says_so(dispatcher, yard, session):
    yard.depot.bench_hours_per_weekday = 2.0
    session.commit()
    assert "Nothing waits for this bench." in dispatcher.get("/console/bench").get_data(as_text=True)
