"""The calendar invitation for a courier pickup window (iCalendar, RFC 5545/5546).

One pickup is one event: its UID never changes, and every revision sent to the
contact carries a higher SEQUENCE so calendar clients replace the old copy.
Times are written in UTC: unambiguous even in the hour the clocks go back, and
every client shows them in its user's own zone.
"""

from datetime import datetime, timezone
from enum import StrEnum
from typing import TYPE_CHECKING

from icalendar import STATUS, Calendar, Event, vCalAddress

if TYPE_CHECKING:
    from server.notify.messages import PickupNotice

PRODID = "-//Fieldloop//Courier pickups//EN"


class Method(StrEnum):
    REQUEST = "REQUEST"  # a new or changed invitation
    CANCEL = "CANCEL"  # the pickup will not happen


def pickup_uid(pickup_ref: str, organiser_email: str) -> str:
    """The event UID of a pickup: the same for every message about it."""
    domain = organiser_email.rpartition("@")[2] or "fieldloop.invalid"
    return f"pickup-{pickup_ref}@{domain}"


def location_line(address: str) -> str:
    """A multi-line postal address on one line, as calendar clients show LOCATION."""
    return ", ".join(part.strip() for part in address.splitlines() if part.strip())


def _item_line(item) -> str:
    serial = f" (serial {item.serial})" if item.serial else ""
    return f"- {item.quantity} × {item.part_number} {item.description}{serial}"


def _description(notice: "PickupNotice", method: Method) -> str:
    courier = f", courier reference {notice.courier_ref}" if notice.courier_ref else ""
    lines = [f"Pickup {notice.pickup_ref}{courier}", ""]
    if method is Method.CANCEL:
        lines += ["This pickup is cancelled; nothing will be collected in this window.", ""]
        lines += ["Items that were to be collected:", *map(_item_line, notice.items), ""]
        lines += [f"Your pickup page: {notice.link_url}"]
    else:
        lines += ["Items to hand over:", *map(_item_line, notice.items), ""]
        lines += [f"Confirm, say the items are not ready, or ask for another day: {notice.link_url}"]
    return "\n".join(lines)


def pickup_event(notice: "PickupNotice", method: Method, stamp: datetime) -> Event:
    """The VEVENT for `notice`."""
    organiser = vCalAddress.new(notice.organiser_email, cn=notice.organiser_name)
    attendee = vCalAddress.new(
        notice.contact_email,
        cn=notice.contact_name,
        role="REQ-PARTICIPANT",
        partstat="NEEDS-ACTION",
        rsvp=True,
    )
    cancelled = method is Method.CANCEL
    event = Event.new(
        uid=pickup_uid(notice.pickup_ref, notice.organiser_email),
        stamp=stamp,
        sequence=notice.sequence,
        start=notice.window_start.astimezone(timezone.utc),
        end=notice.window_end.astimezone(timezone.utc),
        summary=f"{'Cancelled: ' if cancelled else ''}Courier pickup at {notice.site_name}",
        location=location_line(notice.site_address),
        description=_description(notice, method),
        organizer=organiser,
        attendees=[attendee],
        status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
        url=notice.link_url,
    )
    if notice.lat is not None and notice.lon is not None:
        event.add("GEO", (notice.lat, notice.lon))
    return event


def pickup_calendar(notice: "PickupNotice", method: Method, stamp: datetime) -> Calendar:
    """The VCALENDAR to attach, with its METHOD."""
    calendar = Calendar()
    calendar.prodid = PRODID
    calendar.version = "2.0"
    calendar.method = method.value
    calendar.add_component(pickup_event(notice, method, stamp))
    return calendar


def pickup_ics(notice: "PickupNotice", method: Method, stamp: datetime) -> bytes:
    """The `.ics` file content for `notice`."""
    return pickup_calendar(notice, method, stamp).to_ical()
