"""What each email says, to whom, and how it is put together."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from common.enums import Disposition, ReturnStatus
from server.notify.messages import (
    CollectionNotice,
    ItemLine,
    OverdueAlert,
    OverdueLine,
    ReceiptNotice,
    ReceivedLine,
    Sender,
    format_window,
    items_collected,
    items_received,
    message_id_for,
    overdue_alert,
    pickup_changed,
    pickup_reminder,
    pickup_scheduled,
)


NOW = datetime(2026, 3, 24, 16, 0, tzinfo=timezone.utc)


def text_of(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def html_of(msg) -> str:
    return msg.get_body(("html",)).get_content()


def ics_attachment(msg):
    (part,) = [p for p in msg.iter_attachments() if (p.get_filename() or "").endswith(".ics")]
    return part


def invitation(msg):
    calendar = Calendar.from_ical(ics_attachment(msg).get_content())
    return calendar, calendar.events[0]


# -- pickup_scheduled -------------------------------------------------------------


def test_scheduled_pickup_goes_to_the_site_contact_from_the_configured_sender(make_notice, sender):
    msg = pickup_scheduled(make_notice(), sender, idempotency_key="pickup:42:scheduled", now=NOW)

    assert msg["To"] == "jo.bloggs@acme.example"
    assert msg["From"] == "Fieldloop <pickups@fieldloop.example>"
    assert msg["Reply-To"] == "returns-desk@fieldloop.example"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"].datetime == NOW


def test_scheduled_pickup_has_text_html_and_an_ics_attachment(make_notice, sender):
    msg = pickup_scheduled(make_notice(), sender, idempotency_key="k", now=NOW)

    assert msg.get_content_type() == "multipart/mixed"
    alternative = next(msg.iter_parts())
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    assert alternative.get_payload()[2].get_param("method") == "REQUEST"
    attachment = ics_attachment(msg)
    assert attachment.get_filename() == "pickup-PU-2026-0042.ics"
    assert attachment.get_content_type() == "application/ics"


def test_scheduled_pickup_shows_the_window_in_site_local_time(make_notice, sender):
    msg = pickup_scheduled(make_notice(), sender, idempotency_key="k", now=NOW)

    assert "Tuesday 31 March 2026, 09:00–12:00 BST" in msg["Subject"]
    assert "Tuesday 31 March 2026, 09:00–12:00 BST" in text_of(msg)
    assert "Tuesday 31 March 2026, 09:00–12:00 BST" in html_of(msg)


def test_window_follows_the_given_site_time_zone(make_notice, sender):
    notice = make_notice(site_timezone="America/New_York")

    msg = pickup_scheduled(notice, sender, idempotency_key="k", now=NOW)

    assert "Tuesday 31 March 2026, 04:00–07:00 EDT" in text_of(msg)


def test_scheduled_pickup_lists_every_item_with_serial_and_quantity(make_notice, sender):
    msg = pickup_scheduled(make_notice(), sender, idempotency_key="k", now=NOW)

    text = text_of(msg)
    assert "1 × FU-4410 Fuser unit (serial SN-0001)" in text
    assert "3 × TN-221K Toner cartridge, black" in text
    html = html_of(msg)
    for value in ("FU-4410", "Fuser unit", "SN-0001", "TN-221K", "Toner cartridge, black"):
        assert value in html


def test_scheduled_pickup_gives_references_address_and_the_signed_link(make_notice, sender):
    msg = pickup_scheduled(make_notice(), sender, idempotency_key="k", now=NOW)

    for body in (text_of(msg), html_of(msg)):
        assert "PU-2026-0042" in body
        assert "DPD-7781" in body
        assert "Leeds LS1 4DL" in body
        assert "https://fieldloop.example/p/token-abc" in body
    assert 'href="https://fieldloop.example/p/token-abc"' in html_of(msg)


def test_scheduled_pickup_invitation_matches_the_window(make_notice, sender):
    notice = make_notice()

    calendar, event = invitation(pickup_scheduled(notice, sender, idempotency_key="k", now=NOW))

    assert calendar["METHOD"] == "REQUEST"
    assert event.start.astimezone(timezone.utc) == notice.window_start
    assert event.end.astimezone(timezone.utc) == notice.window_end
    assert event.uid == "pickup-PU-2026-0042@fieldloop.example"
    assert event.DTSTAMP == NOW


def test_html_part_escapes_what_customers_and_engineers_typed(make_notice, make_item, sender):
    notice = make_notice(
        items=[make_item(description="Board <rev B> & cable")],
        site_name="Smith & Sons",
        site_address="Unit <4>\nLeeds",
    )

    html = html_of(pickup_scheduled(notice, sender, idempotency_key="k", now=NOW))

    assert "Board &lt;rev B&gt; &amp; cable" in html
    assert "<rev B>" not in html
    assert "Smith &amp; Sons" in html
    assert "Unit &lt;4&gt;<br>Leeds" in html


def test_a_line_break_in_a_site_name_stays_out_of_the_subject_header(make_notice, sender):
    msg = pickup_scheduled(make_notice(site_name="Acme\nLeeds"), sender, idempotency_key="k", now=NOW)

    assert msg["Subject"].endswith("– Acme Leeds")


# -- Message-ID and resends -----------------------------------------------------------


def test_same_idempotency_key_gives_the_same_message_id(make_notice, sender):
    first = pickup_scheduled(make_notice(), sender, idempotency_key="pickup:42:scheduled", now=NOW)
    resend = pickup_scheduled(make_notice(), sender, idempotency_key="pickup:42:scheduled", now=NOW)

    assert first["Message-ID"] == resend["Message-ID"]
    assert first["Message-ID"].endswith("@fieldloop.example>")


def test_different_idempotency_keys_give_different_message_ids(make_notice, sender):
    scheduled = pickup_scheduled(make_notice(), sender, idempotency_key="pickup:42:scheduled", now=NOW)
    reminder = pickup_reminder(make_notice(sequence=1), sender, idempotency_key="pickup:42:reminder", now=NOW)

    assert scheduled["Message-ID"] != reminder["Message-ID"]


def test_a_sender_without_an_address_is_refused():
    with pytest.raises(ValueError, match="mail_from must contain an email address"):
        Sender(mail_from="Fieldloop")


def test_message_id_is_a_valid_header_for_any_key():
    assert message_id_for("pickup:42:scheduled\n<evil>", "fieldloop.example").count("<") == 1


# -- reminder and changes --------------------------------------------------------------


def test_reminder_updates_the_same_calendar_event_with_a_higher_sequence(make_notice, sender):
    scheduled = make_notice(sequence=0)
    reminder = make_notice(sequence=scheduled.sequence + 1)

    _, first = invitation(pickup_scheduled(scheduled, sender, idempotency_key="s", now=NOW))
    calendar, again = invitation(pickup_reminder(reminder, sender, idempotency_key="r", now=NOW))

    assert calendar["METHOD"] == "REQUEST"
    assert again.uid == first.uid
    assert again.sequence == first.sequence + 1
    assert again.start == first.start


def test_reminder_repeats_the_window_and_the_same_link(make_notice, sender):
    msg = pickup_reminder(make_notice(sequence=1), sender, idempotency_key="r", now=NOW)

    assert msg["Subject"].startswith("Reminder:")
    assert "https://fieldloop.example/p/token-abc" in text_of(msg)
    assert "09:00–12:00 BST" in text_of(msg)


def test_rescheduled_pickup_sends_the_new_window_under_the_same_uid(make_notice, sender):
    old = make_notice(sequence=1)
    moved = make_notice(
        sequence=2,
        window_start=datetime(2026, 4, 2, 12, 0, tzinfo=timezone.utc),
        window_end=datetime(2026, 4, 2, 15, 0, tzinfo=timezone.utc),
    )

    msg = pickup_changed(
        moved,
        sender,
        idempotency_key="c",
        now=NOW,
        previous_window=(old.window_start, old.window_end),
        reason="You asked for another day.",
    )

    calendar, event = invitation(msg)
    assert calendar["METHOD"] == "REQUEST"
    assert event.uid == "pickup-PU-2026-0042@fieldloop.example"
    assert event.sequence == 2
    assert event.start.astimezone(timezone.utc) == moved.window_start
    text = text_of(msg)
    assert "Previous window: Tuesday 31 March 2026, 09:00–12:00 BST" in text
    assert "Thursday 2 April 2026, 13:00–16:00 BST" in text
    assert "You asked for another day." in text
    assert msg["Subject"].startswith("Pickup moved to Thursday 2 April 2026")


def test_cancelled_pickup_sends_a_calendar_cancellation(make_notice, sender):
    msg = pickup_changed(make_notice(sequence=2), sender, idempotency_key="x", now=NOW, cancelled=True)

    calendar, event = invitation(msg)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event.sequence == 2
    alternative = next(msg.iter_parts())
    assert alternative.get_payload()[2].get_param("method") == "CANCEL"
    assert msg["Subject"].startswith("Cancelled:")
    assert "is cancelled" in text_of(msg)
    assert "Items that were to be collected" in text_of(msg)


# -- collected, received, overdue -----------------------------------------------------------


def test_collection_lists_what_was_taken_and_what_stayed(make_item, sender):
    notice = CollectionNotice(
        pickup_ref="PU-2026-0042",
        site_name="Acme Print, Leeds",
        contact_name="Jo Bloggs",
        contact_email="jo.bloggs@acme.example",
        collected_at=datetime(2026, 3, 31, 9, 12, tzinfo=timezone.utc),
        items=[make_item()],
        not_collected=[make_item(part_number="TN-221K", description="Toner", serial=None)],
        courier_ref="DPD-7781",
    )

    msg = items_collected(notice, sender, idempotency_key="col", now=NOW)

    text = text_of(msg)
    assert msg["To"] == "jo.bloggs@acme.example"
    assert "Tuesday 31 March 2026 at 10:12 BST" in text
    taken, stayed = text.split("expected but not collected")
    assert "FU-4410" in taken and "TN-221K" not in taken
    assert "TN-221K" in stayed
    assert "TN-221K" in html_of(msg)
    assert not list(msg.iter_attachments())


def test_receipt_reports_each_item_received_and_its_outcome_where_known(make_item, sender):
    received_at = datetime(2026, 4, 2, 10, 0, tzinfo=timezone.utc)
    notice = ReceiptNotice(
        pickup_ref="PU-2026-0042",
        site_name="Acme Print, Leeds",
        contact_name="Jo Bloggs",
        contact_email="jo.bloggs@acme.example",
        facility_name="Northampton refurbishment centre",
        lines=[
            ReceivedLine(make_item(serial="SN-1"), received_at, Disposition.REFURBISH),
            ReceivedLine(make_item(serial="SN-2"), received_at, Disposition.RECYCLE),
            ReceivedLine(make_item(serial="SN-3"), received_at),
            ReceivedLine(make_item(serial="SN-4")),
        ],
    )

    msg = items_received(notice, sender, idempotency_key="rcv", now=NOW)

    text = text_of(msg)
    received = "Received Thursday 2 April 2026 at 11:00 BST"
    assert f"(serial SN-1)\n    {received}; refurbished." in text
    assert f"(serial SN-2)\n    {received}; recycled." in text
    assert f"(serial SN-3)\n    {received}." in text
    assert "(serial SN-4)\n    Not received yet." in text
    assert "Northampton refurbishment centre" in msg["Subject"]
    assert "recycled" in html_of(msg)


def test_overdue_alert_goes_to_dispatcher_and_engineer_oldest_first(make_item, sender):
    now = NOW
    alert = OverdueAlert(
        recipients=["dispatch@fieldloop.example", "sam.carter@fieldloop.example"],
        threshold_days=7,
        lines=[
            OverdueLine("R-12", make_item(), "Acme Print, Leeds", ReturnStatus.AWAITING_PICKUP,
                        "Acme Print, Leeds (site)", now - timedelta(days=9)),
            OverdueLine("R-9", make_item(serial="SN-9"), "Acme Print, York", ReturnStatus.WITH_ENGINEER,
                        "Sam Carter", now - timedelta(days=15)),
        ],
        console_url="https://fieldloop.example/console/returns?overdue=1",
    )

    msg = overdue_alert(alert, sender, idempotency_key="overdue:2026-03-24", now=NOW)

    assert msg["To"] == "dispatch@fieldloop.example, sam.carter@fieldloop.example"
    assert msg["Subject"] == "Overdue returns: 2 items not back after 7 days"
    text = text_of(msg)
    assert text.index("R-9") < text.index("R-12")
    assert "Held by: Sam Carter since Monday 9 March 2026 (15 days)" in text
    assert "Status: carried by the engineer" in text
    assert "Held by: Acme Print, Leeds (site) since Sunday 15 March 2026 (9 days)" in text
    assert "https://fieldloop.example/console/returns?overdue=1" in html_of(msg)


# -- the inputs refuse what cannot be sent ---------------------------------------------


def test_a_window_without_a_time_zone_is_refused(make_notice):
    with pytest.raises(ValueError, match="window_start must be timezone-aware"):
        make_notice(window_start=datetime(2026, 3, 31, 9, 0))


def test_a_window_that_ends_before_it_starts_is_refused(make_notice):
    with pytest.raises(ValueError, match="window_end must be after window_start"):
        make_notice(window_end=datetime(2026, 3, 31, 7, 0, tzinfo=timezone.utc))


def test_a_pickup_without_items_is_refused(make_notice):
    with pytest.raises(ValueError, match="at least one item"):
        make_notice(items=[])


def test_an_unknown_site_time_zone_is_refused_when_the_notice_is_built(make_notice):
    with pytest.raises(ValueError, match="'Europe/Lodnon' is not a known IANA time zone"):
        make_notice(site_timezone="Europe/Lodnon")


def test_an_item_quantity_below_one_is_refused():
    with pytest.raises(ValueError, match="quantity must be at least 1"):
        ItemLine("FU-4410", "Fuser unit", quantity=0)


def test_notice_keeps_items_as_an_immutable_tuple(make_notice):
    assert isinstance(make_notice().items, tuple)


def test_window_crossing_midnight_names_both_days():
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 24, 22, 0, tzinfo=london)
    end = datetime(2026, 10, 25, 6, 0, tzinfo=london)

    assert format_window(start, end) == "Saturday 24 October 2026 22:00 BST – Sunday 25 October 2026 06:00 GMT"


def test_window_over_the_clock_change_names_both_zones():
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc).astimezone(london)
    end = datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc).astimezone(london)

    assert format_window(start, end) == "Sunday 25 October 2026, 01:30 BST–01:30 GMT"
