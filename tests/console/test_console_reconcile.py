"""Reconciling in a real browser: upload the source's balance file, read the differences and their movements,
agree; bad rows refused by line; the stock page's CSV downloads for finance."""

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from playwright.sync_api import expect

from common.enums import MovementKind, StockGrade, StockLocationKind
from server.models import Reconciliation
from server.services.stock.ledger import location_for, record_movement

DAY = date.today() - timedelta(days=2)
LONDON = ZoneInfo("Europe/London")


def planted(session, yard):
    """Three new fusers at the depot, then one of them moved to Amy's van on the day."""
    depot = location_for(session, StockLocationKind.FACILITY, yard.depot.id)
    van = location_for(session, StockLocationKind.VAN, yard.amy.id)
    record_movement(session, MovementKind.SUPPLY, "po-1", part_number_id=yard.fuser.id, quantity=3,
                    target=(depot, StockGrade.NEW), occurred_at=datetime.combine(DAY - timedelta(days=1), time(9), LONDON))
    record_movement(session, MovementKind.TRANSFER, "top-up", part_number_id=yard.fuser.id, quantity=1,
                    source=(depot, StockGrade.NEW), target=(van, StockGrade.NEW), reason="Van top-up",
                    occurred_at=datetime.combine(DAY, time(11), LONDON))
    session.commit()


def balance_file(*rows: str) -> dict:
    content = "\n".join(["part_number,location,grade,quantity", *rows]) + "\n"
    return {"name": "erp-balances.csv", "mimeType": "text/csv", "buffer": content.encode()}


def upload(page, file: dict) -> None:
    form = page.locator("#reconcile-form")
    form.get_by_label("Balances as of the end of").fill(DAY.isoformat())
    form.get_by_label("Balance file (CSV)").set_input_files(file)
    form.get_by_role("button", name="Compare with the ledger").click()


def test_an_uploaded_balance_file_shows_its_differences_explained_and_can_be_agreed(laptop, yard, session,
                                                                                     sign_in_as, shoot):
    planted(session, yard)
    sign_in_as(laptop, "dana")
    laptop.goto("/console/stock")
    laptop.get_by_role("link", name="Reconcile with the source system").click()
    laptop.wait_for_url(re.compile(r"/console/stock/reconcile$"))
    expect(laptop.locator("#last-agreed")).to_contain_text("Nothing agreed yet")

    # The source has not booked the van top-up, and holds two scrap printers Fieldloop has never seen.
    upload(laptop, balance_file("PRN-FUS-220,FAC:TPK,new,3", "PRN-MFP-C550,FAC:TPK,scrap,2"))

    laptop.wait_for_url(re.compile(r"/console/stock/reconcile/\d+$"))
    expect(laptop.locator("#summary")).to_contain_text("3 compared: 0 agree, 2 explained, 1 unexplained")
    rows = laptop.locator("#differences tbody tr")
    expect(rows).to_have_count(3)
    depot = rows.filter(has=laptop.locator("td[data-label=Location]", has_text="FAC:TPK")).filter(has_text="PRN-FUS-220")
    expect(depot).to_contain_text("-1")
    expect(depot).to_contain_text("Transfer of 1")
    expect(depot).to_contain_text("Van top-up")
    expect(laptop.locator("#differences tr.unexplained")).to_contain_text("PRN-MFP-C550")
    shoot(laptop, "stock-reconcile")

    laptop.get_by_role("button", name="Agree this balance").click()
    expect(laptop.get_by_text("Agreed: the next reconciliation")).to_be_visible()
    expect(laptop.locator("#agreed-state")).to_contain_text("Dana Dispatcher")
    laptop.get_by_role("link", name="← Reconcile").click()
    expect(laptop.locator("#last-agreed")).to_contain_text("as of")
    session.rollback()
    assert session.scalar(sa.select(Reconciliation.agreed_by_id)) == yard.dana.id


def test_a_file_with_bad_rows_lists_them_by_line_and_stores_nothing(laptop, yard, session, sign_in_as):
    planted(session, yard)
    sign_in_as(laptop, "dana")
    laptop.goto("/console/stock/reconcile")

    upload(laptop, balance_file("PRN-FUS-220,FAC:TPK,new,3", "PRN-FUS-220,FAC:NOWHERE,new,1",
                                "PRN-FUS-220,VAN:amy,shiny,-1"))

    errors = laptop.locator("#row-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("Unknown location 'FAC:NOWHERE'")
    expect(laptop.locator("#row-errors")).to_contain_text("Unknown grade 'shiny'")
    expect(laptop.locator("#row-errors")).to_contain_text("Cannot be negative")
    expect(laptop.get_by_text("2 rows of the file are wrong")).to_be_visible()
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Reconciliation)) == 0


def test_the_stock_page_downloads_balances_and_movements_for_finance(laptop, yard, session, sign_in_as):
    planted(session, yard)
    sign_in_as(laptop, "dana")
    laptop.goto("/console/stock")
    exports = laptop.locator("#exports")

    exports.get_by_label("Balances at the end of").fill((DAY - timedelta(days=1)).isoformat())
    with laptop.expect_download() as balances:
        exports.get_by_role("button", name="Download balances").click()
    rows = read_csv(balances.value.path())
    assert [(r["location"], r["part_number"], r["grade"], r["quantity"]) for r in rows] == [
        ("FAC:TPK", "PRN-FUS-220", "new", "3")]

    exports.get_by_label("Movements from").fill(DAY.isoformat())
    exports.get_by_label("to (inclusive)").fill(DAY.isoformat())
    with laptop.expect_download() as movements:
        exports.get_by_role("button", name="Download movements").click()
    rows = read_csv(movements.value.path())
    assert [(r["kind"], r["from_location"], r["to_location"], r["quantity"]) for r in rows] == [
        ("transfer", "FAC:TPK", "VAN:amy", "1")]


def test_a_period_that_ends_before_it_starts_is_refused_on_the_stock_page(dispatcher):
    r = dispatcher.get("/console/stock/movements.csv?since=2026-11-20&until=2026-11-10")
    assert r.status_code == 422
    assert "The period ends before it starts." in r.get_data(as_text=True)


def read_csv(path) -> list[dict]:
    text = open(path, encoding="utf-8").read()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
