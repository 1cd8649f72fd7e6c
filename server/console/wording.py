"""The words pages show for stored values: statuses, dispositions, times, money.

Plain Python: registered as Jinja filters by ``register_console``.
"""

from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo

from common.enums import Disposition, ReturnStatus
from server import clock

LABELS = {
    "awaiting_disposition": "Awaiting disposition",
    "awaiting_pickup": "Awaiting pickup",
    "pickup_scheduled": "Pickup scheduled",
    "with_engineer": "With engineer",
    "in_transit": "In transit",
    "delivered": "Delivered",
    "received": "Received",
    "processed": "Processed",
    "written_off": "Written off",
    "unconfirmed": "Unconfirmed",
    "job_completed": "Expected at completion, not logged",
    "install_without_removal": "Installation with no removal on a swap",
    "engineer_reminder": "Engineer reminded",
    "dispatcher": "Dispatchers told",
    "customer": "Customer asked",
    "write_off": "Written off",
    "refurbish": "Refurbish",
    "reuse": "Reuse",
    "return_to_vendor": "Return to vendor",
    "recycle": "Recycle",
    "scrap": "Scrap",
    "carry_back": "Engineer carry-back",
    "courier_pickup": "Courier pickup",
    "part_removed": "Part removed",
    "equipment_collected": "Equipment collected",
    "dead_on_arrival": "Dead on arrival",
    "refurbishment_centre": "Refurbishment centre",
    "not_ready": "Not ready",
    "another_day": "Asked for another day",
    "removal_elsewhere": "Removal of a serial recorded elsewhere",
    "install_elsewhere": "Installation of a serial recorded elsewhere",
    "completion_after_reassignment": "Completion after a reassignment",
    "move_serial": "Move the serial",
    "void_line": "Void the return line",
    "complete_job": "Complete the job",
    "dismiss": "Keep the records",
}

#: What a customer reads about an item once it has left their site.
_DONE_WITH = {
    Disposition.REFURBISH: "Refurbished",
    Disposition.REUSE: "Back in stock",
    Disposition.RETURN_TO_VENDOR: "Returned to the manufacturer",
    Disposition.RECYCLE: "Recycled",
    Disposition.SCRAP: "Disposed of safely",
}


def label(value) -> str:
    """`ReturnStatus.IN_TRANSIT` → "In transit"; None → "—"."""
    if value is None:
        return "—"
    raw = value.value if isinstance(value, Enum) else str(value)
    return LABELS.get(raw, raw.replace("_", " ").capitalize())


def item_progress(status: ReturnStatus, disposition: Disposition | None) -> str:
    """Where a customer's item is, in their words."""
    if status in (ReturnStatus.IN_TRANSIT, ReturnStatus.DELIVERED):
        return "Collected"
    if status == ReturnStatus.RECEIVED:
        return "Received at our facility"
    if status == ReturnStatus.PROCESSED:
        return _DONE_WITH.get(disposition, "Processed")
    if status == ReturnStatus.WRITTEN_OFF:
        return "Closed"
    return "Waiting for collection"


def local_time(value: datetime | None, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if value is None:
        return "—"
    local, label = _in_zone(value, zone)
    return local.strftime(fmt) + label


def day(value: date | datetime | None, zone: str | None = None) -> str:
    if value is None:
        return "—"
    label = ""
    if isinstance(value, datetime) and zone:
        value, label = _in_zone(value, zone)
    return value.strftime("%a %d %b %Y") + label


def _in_zone(value: datetime, zone: str) -> tuple[datetime, str]:
    """`value` in `zone`, or in UTC, labelled, when that would leave the years 1 to 9999 (a clock far off)."""
    try:
        return value.astimezone(ZoneInfo(zone)), ""
    except OverflowError:
        return value.astimezone(timezone.utc), " UTC"


def money(value: Decimal | float | None, symbol: str = "€") -> str:
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def age_days(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(0, (now - since).days)


def today_in(zone: str) -> date:
    """Today where the sites are, by the server clock (which a simulation may move)."""
    return clock.now().astimezone(ZoneInfo(zone)).date()
