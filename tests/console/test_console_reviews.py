"""Needs review: held field events listed with why they are held, resolved once from the console."""

import re
import uuid

import sqlalchemy as sa

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
