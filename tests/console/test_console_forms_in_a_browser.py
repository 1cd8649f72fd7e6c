"""The console's navigation, record views and forms in a real browser (Debian's Chromium through
Playwright), at laptop width (1366 px) and phone width (390 px)."""

import re

import pytest
from playwright.sync_api import expect

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def test_at_phone_width_the_navigation_is_a_menu_that_opens_every_page(phone_screen, yard, sign_in_as, shoot):
    sign_in_as(phone_screen, "dana")
    links = phone_screen.get_by_role("navigation", name="Console menu").get_by_role("link")
    expect(phone_screen.get_by_role("navigation", name="Console", exact=True)).to_be_hidden()
    expect(links.first).to_be_hidden()
    phone_screen.get_by_text("Menu", exact=True).click()
    expect(links).to_have_count(8)
    for i in range(8):
        expect(links.nth(i)).to_be_in_viewport()
    shoot(phone_screen, "menu-phone", full_page=False)
    links.filter(has_text="Jobs").click()
    phone_screen.wait_for_url(re.compile(r"/console/jobs$"))
    assert phone_screen.evaluate(FITS)


def test_at_laptop_width_the_navigation_shows_its_links_and_no_menu(laptop, yard, sign_in_as):
    sign_in_as(laptop, "dana")
    nav = laptop.get_by_role("navigation", name="Console", exact=True)
    for name in ("Overview", "Returns", "Jobs", "Data", "Records"):
        expect(nav.get_by_role("link", name=name)).to_be_in_viewport()
    expect(laptop.get_by_text("Menu", exact=True)).to_be_hidden()


@pytest.mark.parametrize("screen", ["laptop", "phone_screen"])
def test_the_records_wear_the_consoles_header_and_fit_the_screen(request, screen, yard, sign_in_as, shoot):
    page = request.getfixturevalue(screen)
    sign_in_as(page, "dana")
    page.goto("/console/admin/catalogue/")
    expect(page.locator("header.top")).to_contain_text("Fieldloop")
    expect(page.get_by_role("navigation", name="Records").get_by_role("link", name="Sites")).to_be_visible()
    expect(page.locator("table.model-list")).to_contain_text("PRN-FUS-220")
    assert page.evaluate(FITS)
    shoot(page, "records" if screen == "laptop" else "records-phone")


def test_deleting_a_record_asks_first(laptop, yard, sign_in_as):
    sign_in_as(laptop, "dana")
    laptop.goto("/console/admin/vehicles/")
    questions = []
    laptop.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    laptop.locator("table.model-list button[title='Delete Record']").first.click()
    expect(laptop.locator("table.model-list")).to_contain_text("Van 1")
    assert questions and "Delete this record" in questions[0]
