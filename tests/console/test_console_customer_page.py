"""The customer's pickup page from the signed link: window, items, answers, and refusals."""

import email
import re
from datetime import date, timedelta
from email import policy as email_policy

import pytest
import sqlalchemy as sa

from common.enums import CustomerAnswer, PickupStatus
from factories import next_weekday
from phones import Phone
from server.models import Notification, Pickup
from server.runner import run_due
from server.services.planning.planning import plan_day

DAY = next_weekday(date.today())


@pytest.fixture
def link(app, client, yard, session) -> str:
    """Amy leaves a heavy printer for a courier; the day is planned; the email carries the link."""
    phone = Phone(client=client)
    phone.sign_in("amy")
    ev = phone.new_event("part_removed", yard.amy_job.id, part_number="PRN-MFP-C550", serial="AR55555555",
                         condition="faulty", failure_code="electrical")
    assert phone.push([ev]).json["results"][0]["status"] == "accepted"
    run_due(app)
    plan_day(session, DAY)
    content = session.scalar(sa.select(Notification.content).where(Notification.kind == "pickup_scheduled"))
    text = email.message_from_string(content, policy=email_policy.default).get_body(("plain",)).get_content()
    return re.search(r"/pickup/([A-Za-z0-9_.\-]+)", text).group(1)


def answer(console, token: str, **form):
    return console.post(f"/pickup/{token}", form)


def test_the_page_shows_the_window_and_each_item_with_its_progress(console, link):
    page = console.get(f"/pickup/{link}").get_data(as_text=True)
    assert "North Office" in page and f"{DAY:%A %d %B %Y}" in page
    assert "Colour MFP C550" in page and "AR55555555" in page and "Waiting for collection" in page
    assert "Yes, come as planned" in page


def test_confirming_keeps_the_visit(console, link, session):
    r = answer(console, link, answer="confirmed")
    assert r.status_code == 303
    assert "we will come as planned" in console.get(r.headers["Location"]).get_data(as_text=True)
    session.rollback()
    pickup = session.scalar(sa.select(Pickup))
    assert pickup.customer_answer == CustomerAnswer.CONFIRMED and pickup.status == PickupStatus.SCHEDULED


def test_asking_for_another_day_moves_the_pickup(console, link, session):
    later = next_weekday(DAY)
    assert answer(console, link, answer="another_day", another_day=later.isoformat()).status_code == 303
    session.rollback()
    pickup = session.scalar(sa.select(Pickup))
    assert (pickup.status, pickup.not_before, pickup.customer_answer) == (PickupStatus.OPEN, later, CustomerAnswer.ANOTHER_DAY)


@pytest.mark.parametrize("day, message", [
    ("", "Choose the day that suits you."),
    (date.today().isoformat(), "Choose a day after today."),
    ((date.today() + timedelta(days=200)).isoformat(), "within the next 60 days"),
    ((DAY + timedelta(days=(5 - DAY.weekday()) % 7 or 7)).isoformat(), "closed on Saturdays"),
], ids=["missing", "today", "too-far", "closed-day"])
def test_another_day_is_checked_and_the_error_shown_on_the_date(console, link, session, day, message):
    r = answer(console, link, answer="another_day", another_day=day)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="another_day-error"' in page and message in page
    session.rollback()
    assert session.scalar(sa.select(Pickup)).customer_answer is None


def test_a_tampered_link_shows_a_friendly_refusal(console, link):
    r = console.get(f"/pickup/{link[:-3]}xyz")
    assert r.status_code == 403 and "This link is not valid" in r.get_data(as_text=True)


def test_the_customer_page_opens_nothing_else(console, link):
    console.get(f"/pickup/{link}")
    assert console.get("/console/").status_code == 302
    assert console.get("/console/admin/catalogue/").status_code == 302


def test_the_page_lays_out_for_a_phone(console, link):
    page = console.get(f"/pickup/{link}").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


def test_the_page_does_not_query_per_item(console, link, count_queries, session, make_lines):
    console.get(f"/pickup/{link}")
    with count_queries() as few:
        console.get(f"/pickup/{link}")
    pickup = session.scalar(sa.select(Pickup))
    make_lines(30, pickup_id=pickup.id)
    with count_queries() as many:
        assert "AR09000029" in console.get(f"/pickup/{link}").get_data(as_text=True)
    assert len(many) == len(few)


def test_after_not_ready_the_page_no_longer_offers_to_come_as_planned(console, link, session):
    assert answer(console, link, answer="not_ready").status_code == 303
    page = console.get(f"/pickup/{link}").get_data(as_text=True)
    assert "Yes, come as planned" not in page and "Not ready yet" not in page
    assert "Ask for this day" in page
    assert answer(console, link, answer="confirmed").status_code == 422
    session.rollback()
    assert session.scalar(sa.select(Pickup)).customer_answer == CustomerAnswer.NOT_READY


def test_once_the_pickup_is_planned_again_it_can_be_confirmed_again(console, link, session):
    answer(console, link, answer="not_ready")
    plan_day(session, next_weekday(DAY))
    page = console.get(f"/pickup/{link}").get_data(as_text=True)
    assert "Yes, come as planned" in page and "Not ready yet" in page


def test_a_customer_says_not_ready_on_a_phone_and_is_offered_only_what_is_still_possible(link, phone_screen):
    from playwright.sync_api import expect

    phone_screen.goto(f"/pickup/{link}")
    phone_screen.get_by_role("button", name="Not ready yet").click()
    expect(phone_screen.get_by_role("status")).to_contain_text("we will not come on that day")
    expect(phone_screen.get_by_role("button", name="Yes, come as planned")).to_have_count(0)
    expect(phone_screen.get_by_role("button", name="Not ready yet")).to_have_count(0)
    expect(phone_screen.get_by_role("button", name="Ask for this day")).to_be_visible()


def test_the_pickup_email_fits_a_phone_screen_with_its_link_wrapped(link, session, browser):
    from console.conftest import PHONE

    content = session.scalar(sa.select(Notification.content).where(Notification.kind == "pickup_scheduled"))
    html = email.message_from_string(content, policy=email_policy.default).get_body(("html",)).get_content()
    assert link in html
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.set_content(html)
        # A phone widens its layout to whatever overflows (and zooms out), so measure against 390 px.
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert width <= PHONE["width"], f"the email is {width - PHONE['width']}px wider than a phone screen"
