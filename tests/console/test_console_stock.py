"""The stock page in a real browser: balances by location, part and grade, negatives marked, a part's movements,
and the transfer and stocktake forms."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from common.enums import MovementKind, StockGrade, StockLocationKind
from server.models import StockMovement
from server.services.stock.ledger import location_for, record_movement


def stock(session, yard):
    """Three new fusers at the depot, and Amy's van one refurbished fuser short."""
    depot = location_for(session, StockLocationKind.FACILITY, yard.depot.id)
    van = location_for(session, StockLocationKind.VAN, yard.amy.id)
    record_movement(session, MovementKind.SUPPLY, "po-1", part_number_id=yard.fuser.id, quantity=3,
                    target=(depot, StockGrade.NEW))
    record_movement(session, MovementKind.INSTALL, "install-1", part_number_id=yard.fuser.id, quantity=1,
                    source=(van, StockGrade.REFURBISHED), serial="AR00000077")
    session.commit()


def test_the_stock_page_marks_a_negative_balance_and_lists_the_movement_that_made_it(laptop, yard, session, sign_in_as,
                                                                                   shoot):
    stock(session, yard)
    sign_in_as(laptop, "dana")
    laptop.get_by_role("navigation", name="Console", exact=True).get_by_role("link", name="Stock").click()
    laptop.wait_for_url(re.compile(r"/console/stock$"))

    negative = laptop.locator("#balances tr.negative")
    expect(negative).to_have_count(1)
    expect(negative).to_contain_text("Van of Amy")
    expect(negative).to_contain_text("-1")
    expect(laptop.locator("#negative-count")).to_have_text("1 negative balance.")
    expect(laptop.locator("#flagged")).to_contain_text("AR00000077")
    shoot(laptop, "stock")


def test_the_filters_narrow_the_balances_to_one_location_and_grade(laptop, yard, session, sign_in_as):
    stock(session, yard)
    sign_in_as(laptop, "dana")
    laptop.goto("/console/stock")
    laptop.select_option("#filter-location", "FAC:TPK")
    laptop.select_option("#filter-grade", "new")
    laptop.get_by_role("button", name="Filter").click()

    rows = laptop.locator("#balances tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Facility TPK")
    expect(rows).to_contain_text("3")


def test_a_parts_page_lists_its_movements_latest_first(laptop, yard, session, sign_in_as):
    stock(session, yard)
    sign_in_as(laptop, "dana")
    laptop.goto("/console/stock")
    laptop.locator("#balances").get_by_role("link", name="PRN-FUS-220").first.click()

    movements = laptop.locator("#movements tbody tr")
    expect(movements).to_have_count(2)
    expect(movements.first).to_contain_text("Left negative")
    expect(movements.nth(1)).to_contain_text("Supply")


def test_a_transfer_recorded_in_the_form_moves_the_units(laptop, yard, session, sign_in_as):
    stock(session, yard)
    sign_in_as(laptop, "dana")
    laptop.goto("/console/stock")
    form = laptop.locator("#transfer-form")
    form.get_by_label("Part number").fill("PRN-FUS-220")
    form.get_by_label("Units").fill("2")
    form.get_by_label("From").select_option("FAC:TPK")
    form.get_by_label("To").select_option("VAN:amy")
    form.get_by_label("Reason (required)").fill("Van top-up")
    form.get_by_role("button", name="Record the transfer").click()

    expect(laptop.get_by_text("Transferred 2 × PRN-FUS-220.")).to_be_visible()
    session.rollback()
    moved = session.scalars(sa.select(StockMovement).where(StockMovement.kind == MovementKind.TRANSFER)).one()
    assert (moved.quantity, moved.reason) == (2, "Van top-up")


def test_a_stocktake_without_a_reason_is_refused_under_its_field(laptop, yard, session, sign_in_as):
    stock(session, yard)
    sign_in_as(laptop, "dana")
    laptop.goto("/console/stock")
    form = laptop.locator("#stocktake-form")
    form.get_by_label("Part number").fill("PRN-FUS-220")
    form.get_by_label("Location").select_option("FAC:TPK")
    form.get_by_label("Counted").fill("1")
    form.get_by_role("button", name="Record the count").click()

    expect(laptop.locator("#stocktake-form .field-error")).to_have_text("Say why you counted.")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).where(StockMovement.kind == MovementKind.STOCKTAKE)) == 0
