"""The emails Fieldloop sends about pickups and returns, composed as `EmailMessage`s.

Each builder is a pure function of a small notice dataclass plus the sender
details; the words live in `templates/` (a text and an HTML part per email).
The same idempotency key always gives the same Message-ID, so a resend is
recognisable as one.
"""

from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from hashlib import sha256
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from common.enums import Disposition, ReturnStatus
from server.notify.calendar import Method, pickup_ics

DEFAULT_SITE_TIMEZONE = "Europe/London"

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# What happened to an item at the facility, in the customer's words.
DISPOSITION_DONE = {
    Disposition.REFURBISH: "refurbished",
    Disposition.REUSE: "checked and returned to stock",
    Disposition.RETURN_TO_VENDOR: "returned to the manufacturer",
    Disposition.RECYCLE: "recycled",
    Disposition.SCRAP: "disposed of safely",
}

STATUS_WORDS = {
    ReturnStatus.AWAITING_DISPOSITION: "awaiting a decision",
    ReturnStatus.AWAITING_PICKUP: "waiting for a courier",
    ReturnStatus.PICKUP_SCHEDULED: "pickup booked",
    ReturnStatus.WITH_ENGINEER: "carried by the engineer",
    ReturnStatus.IN_TRANSIT: "with the courier",
    ReturnStatus.DELIVERED: "delivered, not checked in",
}


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, not {value!r}.")


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _require_zone(name: str, value: str) -> None:
    try:
        _zone(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"{name} {value!r} is not a known IANA time zone such as 'Europe/London'.") from err


@dataclass(frozen=True)
class ItemLine:
    part_number: str
    description: str
    serial: str | None = None
    quantity: int = 1

    def __post_init__(self):
        if not self.part_number:
            raise ValueError("part_number must not be empty.")
        if self.quantity < 1:
            raise ValueError(f"quantity must be at least 1, not {self.quantity}.")


def _as_tuple(instance, name: str) -> None:
    object.__setattr__(instance, name, tuple(getattr(instance, name)))


@dataclass(frozen=True)
class PickupNotice:
    """A courier pickup window at a customer site, as told to the site contact.

    `sequence` is the SEQUENCE written into the attached invitation: raise it
    every time an invitation for this pickup is sent (scheduled 0, reminder 1,
    each change one more) so calendar clients keep only the newest.
    """

    pickup_ref: str
    site_name: str
    site_address: str
    contact_name: str
    contact_email: str
    window_start: datetime
    window_end: datetime
    items: tuple[ItemLine, ...]
    link_url: str
    sequence: int
    organiser_email: str
    organiser_name: str = "Fieldloop"
    courier_ref: str | None = None
    lat: float | None = None
    lon: float | None = None
    site_timezone: str = DEFAULT_SITE_TIMEZONE

    def __post_init__(self):
        _as_tuple(self, "items")
        _require_aware("window_start", self.window_start)
        _require_aware("window_end", self.window_end)
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start.")
        if not self.items:
            raise ValueError("A pickup notice must list at least one item.")
        if self.sequence < 0:
            raise ValueError(f"sequence must be 0 or more, not {self.sequence}.")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("Give both lat and lon, or neither.")
        if self.lat is not None and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"({self.lat}, {self.lon}) is not a latitude/longitude in degrees.")
        _require_zone("site_timezone", self.site_timezone)  # fail here, not when sending

    @property
    def local_start(self) -> datetime:
        return self.window_start.astimezone(_zone(self.site_timezone))

    @property
    def local_end(self) -> datetime:
        return self.window_end.astimezone(_zone(self.site_timezone))


@dataclass(frozen=True)
class DayRefusedNotice:
    """The day a site contact asked for cannot be kept: why, and which day it will be (None: not yet known)."""

    pickup_ref: str
    site_name: str
    contact_name: str
    contact_email: str
    asked_day: str
    reason: str
    new_day: str | None
    link_url: str


@dataclass(frozen=True)
class CollectionNotice:
    """The courier has collected items from a site; `not_collected` were expected but stayed."""

    pickup_ref: str
    site_name: str
    contact_name: str
    contact_email: str
    collected_at: datetime
    items: tuple[ItemLine, ...]
    not_collected: tuple[ItemLine, ...] = ()
    courier_ref: str | None = None
    site_timezone: str = DEFAULT_SITE_TIMEZONE

    def __post_init__(self):
        _as_tuple(self, "items")
        _as_tuple(self, "not_collected")
        _require_aware("collected_at", self.collected_at)
        if not self.items:
            raise ValueError("A collection notice must list at least one collected item.")
        _require_zone("site_timezone", self.site_timezone)


@dataclass(frozen=True)
class ReceivedLine:
    """One returned item at the facility: `received_at` None means not arrived yet;
    `outcome` is set once the item has been processed."""

    item: ItemLine
    received_at: datetime | None = None
    outcome: Disposition | None = None

    def __post_init__(self):
        _require_aware("received_at", self.received_at)
        if self.outcome is not None and self.received_at is None:
            raise ValueError("An item cannot have an outcome before it is received.")


@dataclass(frozen=True)
class ReceiptNotice:
    pickup_ref: str
    site_name: str
    contact_name: str
    contact_email: str
    facility_name: str
    lines: tuple[ReceivedLine, ...]
    site_timezone: str = DEFAULT_SITE_TIMEZONE

    def __post_init__(self):
        _as_tuple(self, "lines")
        if not self.lines:
            raise ValueError("A receipt notice must list at least one item.")
        _require_zone("site_timezone", self.site_timezone)


@dataclass(frozen=True)
class OverdueLine:
    """A returned item still not back: where it is (`status`), who holds it, since when."""

    return_ref: str
    item: ItemLine
    site_name: str
    status: ReturnStatus
    held_by: str
    since: datetime

    def __post_init__(self):
        _require_aware("since", self.since)


@dataclass(frozen=True)
class OverdueAlert:
    """Lines not picked up or received `threshold_days` after they were due, for the
    dispatcher and the engineer (`recipients`)."""

    recipients: tuple[str, ...]
    threshold_days: int
    lines: tuple[OverdueLine, ...]
    console_url: str | None = None
    local_timezone: str = DEFAULT_SITE_TIMEZONE  # the zone dates are shown in

    def __post_init__(self):
        _as_tuple(self, "recipients")
        _as_tuple(self, "lines")
        if not self.recipients:
            raise ValueError("An overdue alert needs at least one recipient.")
        if not self.lines:
            raise ValueError("An overdue alert must list at least one line.")
        if self.threshold_days < 1:
            raise ValueError(f"threshold_days must be at least 1, not {self.threshold_days}.")
        _require_zone("local_timezone", self.local_timezone)


@dataclass(frozen=True)
class Sender:
    """Who the emails come from (MAIL_FROM, e.g. ``Fieldloop <pickups@example.com>``)
    and where replies should go."""

    mail_from: str
    reply_to: str | None = None

    def __post_init__(self):
        if "@" not in parseaddr(self.mail_from)[1]:
            raise ValueError(f"mail_from must contain an email address, not {self.mail_from!r}.")

    @property
    def domain(self) -> str:
        return parseaddr(self.mail_from)[1].rpartition("@")[2]


def message_id_for(idempotency_key: str, domain: str) -> str:
    """The Message-ID of the message sent under `idempotency_key`."""
    digest = sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}.notify@{domain}>"


def format_day(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def format_window(start: datetime, end: datetime) -> str:
    """'Tuesday 31 March 2026, 09:00–12:00 BST', both ends in their own zone."""
    if start.date() == end.date() and start.tzname() == end.tzname():
        return f"{format_day(start)}, {start:%H:%M}–{end:%H:%M} {end:%Z}"
    if start.date() == end.date():  # the clocks change during the window
        return f"{format_day(start)}, {start:%H:%M} {start:%Z}–{end:%H:%M} {end:%Z}"
    return f"{format_day(start)} {start:%H:%M} {start:%Z} – {format_day(end)} {end:%H:%M} {end:%Z}"


def format_moment(moment: datetime, zone: str) -> str:
    local = moment.astimezone(_zone(zone))
    return f"{format_day(local)} at {local:%H:%M} {local:%Z}"


def _compose(
    template: str,
    subject: str,
    to: list[str],
    context: dict,
    sender: Sender,
    idempotency_key: str,
    now: datetime | None,
    invitation: tuple[Method, bytes, str] | None = None,
) -> EmailMessage:
    now = now or datetime.now(timezone.utc)
    _require_aware("now", now)
    # A line break typed into a site name must not break the header.
    subject = " ".join(subject.split())
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender.mail_from
    msg["To"] = ", ".join(to)
    if sender.reply_to:
        msg["Reply-To"] = sender.reply_to
    msg["Date"] = format_datetime(now.astimezone(timezone.utc))
    msg["Message-ID"] = message_id_for(idempotency_key, sender.domain)
    # RFC 3834: out-of-office robots should not answer these.
    msg["Auto-Submitted"] = "auto-generated"
    context = {**context, "subject": subject}
    # Quoted-printable keeps the parts readable in a saved .eml and in spam filters' eyes.
    msg.set_content(_templates.get_template(f"{template}.txt").render(context), cte="quoted-printable")
    msg.add_alternative(
        _templates.get_template(f"{template}.html").render(context), subtype="html", cte="quoted-printable"
    )
    if invitation is not None:
        method, ics, filename = invitation
        # Inline part for mail clients that show invitations, file for everyone else.
        msg.add_alternative(ics, "text", "calendar", params={"method": method.value, "charset": "utf-8"})
        msg.add_attachment(ics, "application", "ics", filename=filename)
    return msg


def _pickup_context(notice: PickupNotice) -> dict:
    return {
        "notice": notice,
        "window": format_window(notice.local_start, notice.local_end),
        "items": notice.items,
        "items_heading": "Items to hand over",
    }


def _ics_filename(notice: PickupNotice) -> str:
    return f"pickup-{''.join(c if c.isalnum() or c in '-_' else '-' for c in notice.pickup_ref)}.ics"


def _pickup_message(
    template: str, subject: str, notice: PickupNotice, method: Method, context: dict,
    sender: Sender, idempotency_key: str, now: datetime | None,
) -> EmailMessage:
    now = now or datetime.now(timezone.utc)
    _require_aware("now", now)
    ics = pickup_ics(notice, method, stamp=now.astimezone(timezone.utc))
    return _compose(
        template,
        subject,
        [notice.contact_email],
        {**_pickup_context(notice), **context},
        sender, idempotency_key, now,
        invitation=(method, ics, _ics_filename(notice)),
    )


def pickup_scheduled(
    notice: PickupNotice, sender: Sender, *, idempotency_key: str, now: datetime | None = None
) -> EmailMessage:
    """To the site contact: a courier will come in this window; confirm or ask for another day."""
    window = format_window(notice.local_start, notice.local_end)
    subject = f"Courier pickup on {window} – {notice.site_name}"
    return _pickup_message(
        "pickup_scheduled", subject, notice, Method.REQUEST, {},
        sender, idempotency_key, now,
    )


def pickup_reminder(
    notice: PickupNotice, sender: Sender, *, idempotency_key: str, now: datetime | None = None
) -> EmailMessage:
    """To the site contact, the day before: the same window, link and calendar event."""
    window = format_window(notice.local_start, notice.local_end)
    subject = f"Reminder: courier pickup on {window} – {notice.site_name}"
    return _pickup_message(
        "pickup_reminder", subject, notice, Method.REQUEST, {},
        sender, idempotency_key, now,
    )


def pickup_changed(
    notice: PickupNotice,
    sender: Sender,
    *,
    idempotency_key: str,
    now: datetime | None = None,
    cancelled: bool = False,
    previous_window: tuple[datetime, datetime] | None = None,
    reason: str | None = None,
) -> EmailMessage:
    """To the site contact: the pickup moved to `notice`'s window, or (`cancelled`) will not happen."""
    previous = None
    if previous_window is not None:
        zone = _zone(notice.site_timezone)
        for name, moment in zip(("previous_window start", "previous_window end"), previous_window):
            _require_aware(name, moment)
        previous = format_window(*(moment.astimezone(zone) for moment in previous_window))
    window = format_window(notice.local_start, notice.local_end)
    if cancelled:
        subject = f"Cancelled: courier pickup on {window} – {notice.site_name}"
    else:
        subject = f"Pickup moved to {window} – {notice.site_name}"
    return _pickup_message(
        "pickup_changed", subject, notice, Method.CANCEL if cancelled else Method.REQUEST,
        {"cancelled": cancelled, "previous_window": previous, "reason": reason}
        | ({"items_heading": "Items that were to be collected"} if cancelled else {}),
        sender, idempotency_key, now,
    )


def requested_day_refused(
    notice: DayRefusedNotice, sender: Sender, *, idempotency_key: str, now: datetime | None = None
) -> EmailMessage:
    """To the site contact: the courier cannot come on the day asked for, why, and when it will."""
    return _compose(
        "requested_day_refused",
        f"We cannot collect on {notice.asked_day} – {notice.site_name}",
        [notice.contact_email],
        {"notice": notice},
        sender, idempotency_key, now,
    )


def items_collected(
    notice: CollectionNotice, sender: Sender, *, idempotency_key: str, now: datetime | None = None
) -> EmailMessage:
    """To the site contact: what the courier took, and what stayed behind."""
    return _compose(
        "items_collected",
        f"Items collected from {notice.site_name} – pickup {notice.pickup_ref}",
        [notice.contact_email],
        {"notice": notice, "collected_at": format_moment(notice.collected_at, notice.site_timezone)},
        sender, idempotency_key, now,
    )


def _receipt_status(line: ReceivedLine, zone: str) -> str:
    if line.received_at is None:
        return "Not received yet."
    status = f"Received {format_moment(line.received_at, zone)}"
    return f"{status}; {DISPOSITION_DONE[line.outcome]}." if line.outcome else f"{status}."


def items_received(
    notice: ReceiptNotice, sender: Sender, *, idempotency_key: str, now: datetime | None = None
) -> EmailMessage:
    """To the site contact: per item, received at the facility and, where known, what became of it."""
    rows = [{"item": line.item, "status": _receipt_status(line, notice.site_timezone)} for line in notice.lines]
    return _compose(
        "items_received",
        f"Items received at {notice.facility_name} – pickup {notice.pickup_ref}",
        [notice.contact_email],
        {"notice": notice, "rows": rows},
        sender, idempotency_key, now,
    )


def overdue_alert(
    alert: OverdueAlert, sender: Sender, *, idempotency_key: str, now: datetime | None = None
) -> EmailMessage:
    """To the dispatcher and the engineer: returns not back after the threshold, oldest first."""
    now = now or datetime.now(timezone.utc)
    rows = [
        {
            "line": line,
            "status": STATUS_WORDS.get(line.status, str(line.status)),
            "since": format_day(line.since.astimezone(_zone(alert.local_timezone))),
            "days": (now - line.since).days,
        }
        for line in sorted(alert.lines, key=lambda line: line.since)
    ]
    count = len(rows)
    return _compose(
        "overdue_alert",
        f"Overdue returns: {count} item{'s' if count != 1 else ''} not back after {alert.threshold_days} days",
        list(alert.recipients),
        {"alert": alert, "rows": rows},
        sender, idempotency_key, now,
    )

