"""The pickup invitation, parsed back with icalendar field by field."""

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from server.notify.calendar import Method, location_line, pickup_ics, pickup_uid

STAMP = datetime(2026, 3, 24, 16, 0, tzinfo=timezone.utc)


def parse(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.events
    return calendar, event


def test_invitation_carries_every_field_of_the_pickup(make_notice):
    notice = make_notice(sequence=3)

    calendar, event = parse(pickup_ics(notice, Method.REQUEST, STAMP))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert "Fieldloop" in calendar["PRODID"]
    assert event.uid == "pickup-PU-2026-0042@fieldloop.example"
    assert event.start == datetime(2026, 3, 31, 8, 0, tzinfo=timezone.utc)
    assert event.end == datetime(2026, 3, 31, 11, 0, tzinfo=timezone.utc)
    assert event.DTSTAMP == STAMP
    assert event.sequence == 3
    assert event.summary == "Courier pickup at Acme Print, Leeds"
    assert event.location == "1 Wellington Street, Leeds LS1 4DL, United Kingdom"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (53.7965, -1.5478)
    assert event["STATUS"] == "CONFIRMED"
    assert event["URL"] == notice.link_url


def test_invitation_names_organiser_and_asks_the_contact_to_reply(make_notice):
    _, event = parse(pickup_ics(make_notice(), Method.REQUEST, STAMP))

    assert event.organizer == "mailto:pickups@fieldloop.example"
    assert event.organizer.params["CN"] == "Fieldloop"
    (attendee,) = event.attendees
    assert attendee == "mailto:jo.bloggs@acme.example"
    assert attendee.params["CN"] == "Jo Bloggs"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"


def test_description_lists_items_references_and_the_customer_link(make_notice):
    _, event = parse(pickup_ics(make_notice(), Method.REQUEST, STAMP))

    assert event.description.splitlines() == [
        "Pickup PU-2026-0042, courier reference DPD-7781",
        "",
        "Items to hand over:",
        "- 1 × FU-4410 Fuser unit (serial SN-0001)",
        "- 3 × TN-221K Toner cartridge, black",
        "",
        "Confirm, say the items are not ready, or ask for another day: https://fieldloop.example/p/token-abc",
    ]


def test_times_are_written_in_utc_so_no_time_zone_definition_is_needed(make_notice):
    ics = pickup_ics(make_notice(), Method.REQUEST, STAMP)

    assert b"DTSTART:20260331T080000Z" in ics
    assert b"DTEND:20260331T110000Z" in ics
    assert b"VTIMEZONE" not in ics


ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"]


@settings(max_examples=60)
@given(
    start_min=st.integers(0, 100 * 365 * 24 * 60),
    duration_min=st.integers(15, 12 * 60),
    zone=st.sampled_from(ZONES),
)
def test_the_invitation_window_is_the_pickup_window_for_any_minute_and_zone(
    make_notice, start_min, duration_min, zone
):
    """Including the hour when the clocks go back, when local times repeat."""
    start = datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=start_min)
    notice = make_notice(
        window_start=start, window_end=start + timedelta(minutes=duration_min), site_timezone=zone
    )

    _, event = parse(pickup_ics(notice, Method.REQUEST, STAMP))

    assert (event.start, event.end) == (notice.window_start, notice.window_end)


def test_cancellation_keeps_the_uid_and_marks_the_event_cancelled(make_notice):
    invitation = parse(pickup_ics(make_notice(sequence=1), Method.REQUEST, STAMP))[1]

    calendar, event = parse(pickup_ics(make_notice(sequence=2), Method.CANCEL, STAMP))

    assert calendar["METHOD"] == "CANCEL"
    assert event.uid == invitation.uid
    assert event.sequence == 2
    assert event["STATUS"] == "CANCELLED"
    assert event.summary.startswith("Cancelled:")
    assert "This pickup is cancelled" in event.description


def test_uid_is_the_same_for_every_revision_and_differs_between_pickups():
    assert pickup_uid("PU-1", "a@fieldloop.example") == pickup_uid("PU-1", "a@fieldloop.example")
    assert pickup_uid("PU-1", "a@fieldloop.example") != pickup_uid("PU-2", "a@fieldloop.example")


def test_site_without_coordinates_has_no_geo(make_notice):
    _, event = parse(pickup_ics(make_notice(lat=None, lon=None), Method.REQUEST, STAMP))

    assert "GEO" not in event


def test_address_lines_become_one_location_line():
    assert location_line("  Unit 4\n\nHarbour Road \nLeith EH6 6LX") == "Unit 4, Harbour Road, Leith EH6 6LX"
