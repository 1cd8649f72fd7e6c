"""The figures of the closed loop on a small named scenario: CO2e avoided, the waste hierarchy, circularity, benches."""

import uuid
from datetime import date, timedelta

import pytest

from common.enums import (Disposition, HolderKind, MovementKind, PartCondition, ProcessingOutcome, ReturnStatus,
                          StockGrade, StockLocationKind)
from server import clock
from server.models import ProcessingRecord, ReturnLine
from server.services.returns.figures import bench_figures, compute_figures
from server.services.settings import site_today
from server.services.stock import ledger


def decided(session, world, disposition: Disposition, co2e_kg: float, status=ReturnStatus.PROCESSED,
            holder=(HolderKind.FACILITY, None)) -> ReturnLine:
    line = ReturnLine(id=uuid.uuid4(), part_number_id=world.fuser.id, origin="part_removed",
                      condition=PartCondition.FAULTY, origin_site_id=world.north.id, removed_by_id=world.amy.id,
                      removed_at=clock.now() - timedelta(days=3), status=status, holder_kind=holder[0],
                      holder_id=holder[1], disposition=disposition, co2e_avoided_kg=co2e_kg,
                      received_at=clock.now() - timedelta(days=1))
    session.add(line)
    session.flush()
    return line


@pytest.fixture
def a_week_of_returns(session, logistics):
    """Five decided lines (reuse 50 kg, refurbish 30 kg, recycle 2 kg, scrap 0 kg CO2e avoided, and a refurbishment
    written off); four installs from Amy's van (three refurbished units, one new); at the refurbishment centre
    (6 h per weekday) two fusers refurbished and one failed, 1.5 h each, and one fuser waiting for the bench."""
    world = logistics.world
    for disposition, kg in ((Disposition.REUSE, 50.0), (Disposition.REFURBISH, 30.0), (Disposition.RECYCLE, 2.0),
                            (Disposition.SCRAP, 0.0)):
        decided(session, world, disposition, kg)
    decided(session, world, Disposition.REFURBISH, 30.0, status=ReturnStatus.WRITTEN_OFF)
    van = ledger.location_for(session, StockLocationKind.VAN, world.amy.id)
    for n, grade in enumerate([StockGrade.REFURBISHED] * 3 + [StockGrade.NEW]):
        ledger.record_movement(session, MovementKind.INSTALL, f"install:{n}", part_number_id=world.fuser.id,
                               quantity=1, source=(van, grade))
    logistics.refurb.bench_hours_per_weekday = 6.0
    for outcome in (ProcessingOutcome.REFURBISHED, ProcessingOutcome.REFURBISHED, ProcessingOutcome.REFURBISH_FAILED):
        line = decided(session, world, Disposition.REFURBISH, 30.0)
        session.add(ProcessingRecord(return_line_id=line.id, facility_id=logistics.refurb.id, outcome=outcome,
                                     hours=1.5, recorded_by_id=world.dana.id))
    decided(session, world, Disposition.REFURBISH, 30.0, status=ReturnStatus.RECEIVED,
            holder=(HolderKind.FACILITY, logistics.refurb.id))
    session.commit()
    return logistics


def test_co2e_avoided_sums_the_decided_lines_not_written_off(session, a_week_of_returns):
    figures = compute_figures(session)
    assert figures["co2e_avoided_kg"] == 50 + 30 + 2 + 0 + 4 * 30  # the bench's four fusers are refurbishments too
    assert figures["co2e_avoided_kg_per_line"] == round(202 / 8, 2)


def test_lines_are_counted_by_their_level_of_the_waste_hierarchy(session, a_week_of_returns):
    assert compute_figures(session)["lines_by_hierarchy"] == {
        "reuse": 1, "refurbish": 5, "return to vendor": 0, "recycle": 1, "dispose": 1}


def test_the_circularity_rate_is_the_share_of_installs_served_by_refurbished_units(session, a_week_of_returns):
    figures = compute_figures(session)
    assert (figures["installs"], figures["installs_circular"], figures["circularity_rate"]) == (4, 3, 0.75)


def test_no_installs_give_no_circularity_rate(session, logistics):
    assert compute_figures(session)["circularity_rate"] is None


def test_yield_per_part_number_counts_refurbished_against_failed_attempts(session, a_week_of_returns):
    assert bench_figures(session)["yield_by_part"] == [
        {"part_number": "PRN-FUS-220", "refurbished": 2, "failed": 1, "yield": 0.6667}]


def test_bench_hours_used_today_are_the_processing_records_hours(session, a_week_of_returns):
    today = site_today()
    [row] = [r for r in bench_figures(session)["hours_by_day"] if r["day"] == today.isoformat()]
    assert row["hours_used"] == 4.5
    assert row["capacity_hours"] == (6.0 if today.weekday() < 5 else 0.0)


def test_the_queue_figures_give_each_benchs_length_and_age(session, a_week_of_returns):
    [queue] = bench_figures(session)["queues"]
    assert (queue["facility"], queue["queue_length"], queue["oldest_days"]) == ("Facility SQR", 1, 1.0)


def test_the_figures_api_carries_the_loop_and_bench_figures(dana, a_week_of_returns):
    figures = dana.request("GET", "/api/v1/figures").json
    assert figures["circularity_rate"] == 0.75 and figures["lines_by_hierarchy"]["dispose"] == 1
    bench = dana.request("GET", "/api/v1/figures/bench").json
    assert bench["yield_by_part"][0]["yield"] == 0.6667
    assert len(bench["hours_by_day"]) == 30


def test_bench_hours_per_day_cover_at_most_the_last_366_days_of_a_long_period(session, a_week_of_returns):
    today = site_today()
    days = [row["day"] for row in bench_figures(session, since=date(2000, 1, 1), until=today)["hours_by_day"]]
    assert len(days) == 366 and days[-1] == today.isoformat()
