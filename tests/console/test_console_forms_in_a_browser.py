"""The console's navigation, record views and forms in a real browser (Debian's Chromium through
Playwright), at laptop width (1366 px) and phone width (390 px)."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

import factories as make
from server.models import Job
from page_width import fits


def test_at_phone_width_the_navigation_is_a_menu_that_opens_every_page(phone_screen, yard, sign_in_as, shoot):
    sign_in_as(phone_screen, "dana")
    links = phone_screen.get_by_role("navigation", name="Console menu").get_by_role("link")
    expect(phone_screen.get_by_role("navigation", name="Console", exact=True)).to_be_hidden()
    expect(links.first).to_be_hidden()
    phone_screen.get_by_text("Menu", exact=True).click()
    expect(links).to_have_count(12)
    for i in range(12):
        expect(links.nth(i)).to_be_in_viewport()
    shoot(phone_screen, "menu-phone", full_page=False)
    links.filter(has_text="Jobs").click()
    phone_screen.wait_for_url(re.compile(r"/console/jobs$"))
    assert fits(phone_screen)


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
    assert fits(page)
    if screen == "laptop":
        shoot(page, "records")


def test_deleting_a_record_asks_first(laptop, yard, sign_in_as):
    sign_in_as(laptop, "dana")
    laptop.goto("/console/admin/vehicles/")
    questions = []
    laptop.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    laptop.locator("table.model-list button[title='Delete Record']").first.click()
    expect(laptop.locator("table.model-list")).to_contain_text("Van 1")
    assert questions and "Delete this record" in questions[0]


@pytest.fixture
def many_jobs(session, yard):
    """A page of fifty open jobs: the list a dispatcher's phone would have to scroll past."""
    for i in range(50):
        make.job(session, yard.north, yard.amy, yard.dana, summary=f"Routine visit {i}")


def test_at_phone_width_a_job_is_created_without_scrolling_past_the_list(phone_screen, yard, many_jobs, session,
                                                                         sign_in_as, shoot):
    sign_in_as(phone_screen, "dana")
    phone_screen.goto("/console/jobs")
    create = phone_screen.get_by_role("button", name="Create job")
    top = create.evaluate("button => button.getBoundingClientRect().top + window.scrollY")
    assert top < 2 * phone_screen.viewport_size["height"], f"the Create button is {top:.0f}px down the page"
    assert fits(phone_screen)

    start = datetime.now().replace(second=0, microsecond=0) + timedelta(days=1)
    form = phone_screen.locator("#new-job")
    form.get_by_label("Site").fill("South Office — Southgate Print")
    form.get_by_label("Engineer", exact=True).select_option(label="Ben")
    form.get_by_label("Summary").fill("Collect the old printer")
    form.get_by_label("From").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("To", exact=True).fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("#parts-0-part_number").fill("PRN-MFP-C550")
    form.locator("#parts-0-action").select_option("collect")
    shoot(phone_screen, "new-job-phone", full_page=False)
    create.click()
    expect(phone_screen.get_by_role("status")).to_contain_text("created and sent to the engineer")
    session.rollback()
    job = session.scalar(sa.select(Job).where(Job.summary == "Collect the old printer"))
    assert job.expected_parts == [{"part_number": "PRN-MFP-C550", "quantity": 1, "action": "collect"}]


def test_at_laptop_width_new_job_errors_stand_under_their_fields(laptop, yard, sign_in_as):
    sign_in_as(laptop, "dana")
    laptop.goto("/console/jobs")
    laptop.get_by_label("Summary").fill("Swap the fuser")
    laptop.get_by_role("button", name="Create job").click()
    expect(laptop.locator("#site-error")).to_have_text("Choose a site.")
    expect(laptop.locator("#window_start-error")).to_be_visible()
    expect(laptop.locator(".form-error")).to_have_count(0)
    assert fits(laptop)
