"""The returns list (search, filters, pages) and a return line's page with its override form."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from common.enums import Disposition, ReturnStatus
from server.models import DispositionRecord, ReturnLine


def test_the_list_shows_lines_newest_first_with_site_engineer_and_holder(dispatcher, make_lines):
    make_lines(3)
    page = dispatcher.get("/console/returns").get_data(as_text=True)
    assert page.count("AR0900000") == 3
    assert "North Office" in page and "Amy" in page and "Refurbish" in page and "€120.50" in page


def test_searching_finds_a_line_by_serial_part_or_site(dispatcher, make_lines):
    make_lines(3)
    page = dispatcher.get("/console/returns?q=ar09000001").get_data(as_text=True)
    assert "AR09000001" in page and "AR09000002" not in page
    assert dispatcher.get("/console/returns?q=north").get_data(as_text=True).count("AR0900000") == 3
    assert "No return lines match." in dispatcher.get("/console/returns?q=nothing-like-this").get_data(as_text=True)


def test_filters_narrow_the_list(dispatcher, make_lines, yard):
    make_lines(2)
    make_lines(1, status=ReturnStatus.RECEIVED, disposition=Disposition.RECYCLE, serial="AR07777777",
               origin_site_id=yard.south.id, removed_by_id=yard.ben.id)
    only = lambda query: dispatcher.get(f"/console/returns?{query}").get_data(as_text=True).count("<tr")  # noqa: E731
    assert only("status=received") == 2  # the header row and one line
    assert only("disposition=recycle") == 2
    assert only(f"site={yard.south.id}") == 2
    assert only(f"engineer={yard.ben.id}") == 2
    assert only("part_number=prn-fus-220") == 4
    assert only("part_number=PRN-MFP-C550") == 0


def test_the_age_filter_uses_the_overviews_buckets(dispatcher, make_lines):
    make_lines(1, removed_at=datetime.now(timezone.utc) - timedelta(days=1), serial="AR01010101")
    make_lines(1, removed_at=datetime.now(timezone.utc) - timedelta(days=20), serial="AR02020202")
    page = dispatcher.get("/console/returns?age=15–30 days").get_data(as_text=True)
    assert "AR02020202" in page and "AR01010101" not in page


def test_the_list_is_paginated(dispatcher, make_lines):
    make_lines(30)
    first = dispatcher.get("/console/returns").get_data(as_text=True)
    second = dispatcher.get("/console/returns?page=2").get_data(as_text=True)
    assert "1–25 of 30" in first and "26–30 of 30" in second
    assert first.count("AR0900") == 25 and second.count("AR0900") == 5


def test_a_bad_filter_value_is_shown_on_its_field_and_the_list_stays_whole(dispatcher, make_lines):
    make_lines(2)
    page = dispatcher.get("/console/returns?status=lost-in-space").get_data(as_text=True)
    assert "field-error" in page and page.count("AR0900000") == 2


def test_a_return_lines_page_shows_custody_reason_alternatives_and_value(dispatcher, make_lines):
    (line,) = make_lines(1, alternatives=[{"disposition": "recycle", "facility": "Facility OCR", "expected_value": 4.2,
                                           "note": "Worth less recycled."}])
    page = dispatcher.get(f"/console/returns/{line.id}").get_data(as_text=True)
    assert "Refurbishing pays." in page and "€120.50" in page
    assert "Worth less recycled." in page and "Facility OCR" in page
    assert "Amy&#39;s van" in page or "Amy's van" in page
    assert 'name="comment"' in page


def test_an_unknown_line_is_a_404_page(dispatcher):
    r = dispatcher.get(f"/console/returns/{uuid.uuid4()}")
    assert r.status_code == 404 and "There is no return line" in r.get_data(as_text=True)


def test_overriding_without_a_comment_shows_the_error_on_the_comment(dispatcher, make_lines, session):
    (line,) = make_lines(1)
    r = dispatcher.post(f"/console/returns/{line.id}", {"disposition": "recycle", "facility": "None", "comment": "  "})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="comment-error"' in page and "A comment is required" in page
    session.rollback()
    assert session.get(ReturnLine, line.id).disposition == Disposition.REFURBISH


def test_overriding_with_a_comment_changes_the_disposition_and_keeps_the_comment(dispatcher, make_lines, yard, session):
    (line,) = make_lines(1)
    r = dispatcher.post(f"/console/returns/{line.id}", {"disposition": "recycle", "facility": "None",
                                                        "comment": "Customer says it was dropped in water."})
    assert r.status_code == 303
    page = dispatcher.get(r.headers["Location"]).get_data(as_text=True)
    assert "Disposition overridden" in page and "dropped in water" in page
    session.rollback()
    stored = session.get(ReturnLine, line.id)
    assert stored.disposition == Disposition.RECYCLE and stored.disposition_overridden_by_id == yard.dana.id
    record = session.scalars(sa.select(DispositionRecord).where(DispositionRecord.return_line_id == line.id)).one()
    assert record.comment == "Customer says it was dropped in water."


def test_a_line_already_received_cannot_be_overridden(dispatcher, make_lines):
    (line,) = make_lines(1, status=ReturnStatus.RECEIVED)
    page = dispatcher.get(f"/console/returns/{line.id}").get_data(as_text=True)
    assert "can no longer change" in page and 'name="comment"' not in page


def test_returns_export_as_csv(dispatcher, make_lines):
    make_lines(3)
    r = dispatcher.get("/console/data/returns.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = r.get_data().decode("utf-8-sig").strip().splitlines()
    assert rows[0].startswith("id,created_at,part_number") and len(rows) == 4
    assert "Northfield Dental" in rows[1] and "refurbish" in rows[1]


@pytest.mark.parametrize("at", [datetime(1, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)],
                         ids=["year-1", "year-9999"])
def test_a_line_logged_by_a_clock_far_off_still_shows_and_can_be_chased(dispatcher, make_lines, at):
    line, = make_lines(1, removed_at=at, status_changed_at=at)
    page = dispatcher.get(f"/console/returns/{line.id}")
    assert page.status_code == 200 and f"{at:%d %b} {at.year}" in page.get_data(as_text=True)
    assert dispatcher.get("/console/overdue").status_code == 200
    assert dispatcher.get("/console/returns").status_code == 200
    assert dispatcher.post(f"/console/overdue/{line.id}/chase").status_code == 303
