"""Needs review: held field events listed with why they are held, resolved once from the console."""

import re
import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from common.enums import ReturnStatus, ReviewStatus
from phones import Phone
from server.models import ReturnLine, ReviewItem


def held_removal(client, yard) -> str:
    """Amy logs, on her job at North Office, the removal of a serial installed at South Office."""
    amy = Phone(client=client)
    assert amy.sign_in("amy").status == 200
    ev = amy.new_event("part_removed", yard.amy_job.id, part_number="PRN-FUS-220", serial="AR00000002",
                       condition="faulty")
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    return ev["id"]


def review_id(session) -> int:
    session.rollback()
    return session.scalar(sa.select(ReviewItem.id))


def test_a_held_removal_is_listed_with_why_and_resolved_from_the_console(dispatcher, client, yard, session):
    line_id = held_removal(client, yard)
    page = dispatcher.get("/console/reviews").get_data(as_text=True)
    assert "Serial AR00000002 is installed at South Office." in page
    assert "Removal of a serial recorded elsewhere" in page and f"/console/returns/{line_id}" in page
    row = page[page.index('id="review-'):]
    assert re.findall(r'<option value="(\w+)"', row) == ["move_serial", "void_line"]

    r = dispatcher.post(f"/console/reviews/{review_id(session)}/resolve",
                        {"action": "void_line", "comment": "Wrong serial typed."})
    assert r.status_code == 303
    assert "Resolved: Void the return line." in dispatcher.get(r.headers["Location"]).get_data(as_text=True)
    assert "Nothing waits for a review." in dispatcher.get("/console/reviews").get_data(as_text=True)
    resolved = dispatcher.get("/console/reviews?status=resolved").get_data(as_text=True)
    assert "Wrong serial typed." in resolved and "Dana Dispatcher" in resolved
    session.rollback()
    assert session.get(ReturnLine, uuid.UUID(line_id)).status == ReturnStatus.WRITTEN_OFF


def test_a_resolution_without_a_comment_is_refused_on_its_row(dispatcher, client, yard, session):
    held_removal(client, yard)
    r = dispatcher.post(f"/console/reviews/{review_id(session)}/resolve", {"action": "void_line", "comment": ""})
    assert r.status_code == 422
    assert "A comment is required: say why you resolve it so." in r.get_data(as_text=True)
    assert session.scalar(sa.select(ReviewItem.status)) == ReviewStatus.OPEN


def test_an_item_resolved_meanwhile_answers_409_with_who_resolved_it(dispatcher, client, yard, session):
    held_removal(client, yard)
    url = f"/console/reviews/{review_id(session)}/resolve"
    assert dispatcher.post(url, {"action": "move_serial", "comment": "Confirmed."}).status_code == 303
    r = dispatcher.post(url, {"action": "void_line", "comment": "Too late."})
    assert r.status_code == 409 and "already resolved (move_serial) by Dana Dispatcher" in r.get_data(as_text=True)


def test_an_action_of_another_kind_is_refused(dispatcher, client, yard, session):
    held_removal(client, yard)
    r = dispatcher.post(f"/console/reviews/{review_id(session)}/resolve",
                        {"action": "complete_job", "comment": "Done."})
    assert r.status_code == 422 and "is resolved by move_serial or void_line" in r.get_data(as_text=True)


def test_the_navigation_leads_to_the_review_queue(dispatcher):
    page = dispatcher.get("/console/").get_data(as_text=True)
    assert 'href="/console/reviews"' in page and "Needs review" in page


def test_a_stranger_cannot_resolve_an_item(console, client, yard, session):
    held_removal(client, yard)
    r = console.post(f"/console/reviews/{review_id(session)}/resolve", {"action": "void_line", "comment": "Mine."})
    assert r.status_code == 302 and "/console/sign-in" in r.headers["Location"]
    assert session.scalar(sa.select(ReviewItem.status)) == ReviewStatus.OPEN


def push_held_events(live_server, yard, session) -> None:
    """Over real HTTP: Amy, after her job went to Ben, removes a serial installed at South Office and
    completes the job."""
    from server.services.work.jobs import update_job

    update_job(session, yard.amy_job.id, {"engineer_id": yard.ben.id}, yard.dana)
    amy = Phone(base_url=live_server.url)
    assert amy.sign_in("amy").status == 200
    removal = amy.new_event("part_removed", yard.amy_job.id, part_number="PRN-FUS-220", serial="AR00000002",
                            condition="faulty")
    done = amy.new_event("job_completed", yard.amy_job.id, notes="Fuser swapped, test page fine.",
                         customer_signoff_name="Sam Patel")
    assert [r["status"] for r in amy.push([removal, done]).json["results"]] == ["accepted", "accepted"]


def no_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_a_dispatcher_resolves_a_held_removal_on_a_laptop(live_server, laptop, yard, session, sign_in_as, shoot):
    push_held_events(live_server, yard, session)
    sign_in_as(laptop, "dana")
    laptop.get_by_role("link", name="Needs review").click()
    rows = laptop.locator("#reviews tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Serial AR00000002 is installed at South Office.")
    expect(rows.last).to_contain_text("Signed off by: Sam Patel")
    assert no_overflow(laptop) <= 1
    shoot(laptop, "reviews")

    row = rows.first
    row.get_by_label("Resolution").select_option("move_serial")
    row.get_by_role("button", name="Resolve").click()
    expect(laptop.locator(".field-error")).to_have_text("A comment is required: say why you resolve it so.")
    laptop.locator("#reviews tbody tr").first.get_by_label("Why (required)").fill("The printer moved to North Office.")
    laptop.locator("#reviews tbody tr").first.get_by_role("button", name="Resolve").click()
    expect(laptop.get_by_role("status")).to_contain_text("Resolved: Move the serial.")
    expect(laptop.locator("#reviews tbody tr")).to_have_count(1)
    expect(laptop.locator("#reviews")).to_contain_text("Completion after a reassignment")


def test_the_review_queue_fits_a_phone_and_resolves_there(live_server, phone_screen, yard, session, sign_in_as,
                                                          shoot):
    push_held_events(live_server, yard, session)
    sign_in_as(phone_screen, "dana")
    phone_screen.goto("/console/reviews")
    row = phone_screen.locator("#reviews tbody tr").first
    expect(row).to_contain_text("South Office")
    assert no_overflow(phone_screen) <= 1
    box = row.get_by_role("button", name="Resolve").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shoot(phone_screen, "reviews-phone")
    row.get_by_label("Resolution").select_option("void_line")
    row.get_by_label("Why (required)").fill("Wrong serial typed.")
    row.get_by_role("button", name="Resolve").click()
    expect(phone_screen.get_by_role("status")).to_contain_text("Resolved: Void the return line.")
    phone_screen.goto("/console/reviews?status=resolved")
    expect(phone_screen.locator("#reviews")).to_contain_text("Wrong serial typed.")
    assert no_overflow(phone_screen) <= 1
    shoot(phone_screen, "reviews-resolved-phone")


def test_the_review_queue_does_not_query_per_row(dispatcher, client, yard, count_queries):
    amy = Phone(client=client)
    amy.sign_in("amy")

    def held(count: int) -> None:
        events = [amy.new_event("part_removed", yard.amy_job.id, part_number="PRN-FUS-220", serial="AR00000002",
                                condition="faulty") for _ in range(count)]
        assert {r["status"] for r in amy.push(events).json["results"]} == {"accepted"}

    def statements() -> int:
        dispatcher.get("/console/reviews")
        with count_queries() as seen:
            assert dispatcher.get("/console/reviews").status_code == 200
        return len(seen)

    held(2)
    few = statements()
    held(15)
    assert statements() <= few


def test_a_held_line_says_so_on_its_page_until_resolved(dispatcher, client, yard, session):
    line_id = held_removal(client, yard)
    page = dispatcher.get(f"/console/returns/{line_id}").get_data(as_text=True)
    assert "Held for review: Serial AR00000002 is installed at South Office." in page
    assert f'/console/reviews#review-{review_id(session)}' in page
    dispatcher.post(f"/console/reviews/{review_id(session)}/resolve", {"action": "move_serial", "comment": "Seen."})
    assert 'id="held"' not in dispatcher.get(f"/console/returns/{line_id}").get_data(as_text=True)
