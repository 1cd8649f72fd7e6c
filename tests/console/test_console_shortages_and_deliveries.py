"""In a real browser: the shortages page and the replacement deliveries beside the day's pickups and routes."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from playwright.sync_api import expect

import factories as make
from common.enums import StockGrade, StockLocationKind
from server.models import Delivery
from stock_fixtures import supply

FUSER = [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]


def fuser_job(session, yard, days_ahead=5):
    start = make.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    return make.job(session, yard.north, yard.amy, yard.dana, expected_parts=FUSER, start=start,
                    summary="Swap the fuser")


def test_a_dispatcher_reads_a_shortage_and_holds_it_once_stock_has_arrived(laptop, yard, session, sign_in_as, shoot):
    job = fuser_job(session, yard)
    sign_in_as(laptop, "dana")
    laptop.get_by_role("link", name="Shortages").first.click()
    row = laptop.locator("#shortages tbody tr")
    expect(row).to_have_count(1)
    for text in ("PRN-FUS-220", job.reference, "North Office", "Shortage: no refurbished or new PRN-FUS-220"):
        expect(row).to_contain_text(text)
    shoot(laptop, "shortages")
    supply(session, StockLocationKind.FACILITY, yard.refurb.id, yard.fuser, StockGrade.REFURBISHED)
    laptop.get_by_role("button", name="Try again now").click()
    expect(laptop.locator(".flash, [role=status]").first).to_contain_text("1 shortage now held from stock.")
    expect(laptop.locator("#shortages")).to_have_count(0)


def test_the_routes_page_lists_the_deliveries_leaving_that_day(laptop, app, yard, session, sign_in_as):
    centre = make.facility(session, "LDS", name="Leeds refurbishment", latitude=53.80, longitude=-1.55)
    supply(session, StockLocationKind.FACILITY, centre.id, yard.fuser, StockGrade.REFURBISHED)
    job = fuser_job(session, yard)
    delivery = session.scalar(sa.select(Delivery))
    leaves = delivery.planned_date.astimezone(ZoneInfo(app.config["SITE_TIMEZONE"])).date()
    sign_in_as(laptop, "dana")
    laptop.goto(f"/console/routes?day={leaves.isoformat()}")
    row = laptop.locator("#deliveries tbody tr")
    expect(row).to_have_count(1)
    for text in ("PRN-FUS-220", job.reference, "Depot collection", "Leeds refurbishment → Facility TPK", "Planned"):
        expect(row).to_contain_text(text)
