"""Flags for event times a device clock got implausibly wrong."""

from datetime import datetime, timedelta

from common.protocol import CLOCK_FUTURE_TOLERANCE_MINUTES, CLOCK_PLAUSIBLE_AGE_DAYS

CLOCK_FUTURE = "clock_future"
CLOCK_STALE = "clock_stale"
CLOCK_OFFSET = "clock_offset"

MAX_OFFSET_S = 2**31 - 1

_TOLERANCE = timedelta(minutes=CLOCK_FUTURE_TOLERANCE_MINUTES)


def device_clock_offset_s(sent_at: datetime | None, received_at: datetime) -> int | None:
    """Seconds the device clock is ahead of the server's (negative: behind)."""
    if sent_at is None:
        return None
    # Kept in a 32-bit column: a clock more than 68 years off is recorded as the limit.
    offset_s = round((sent_at - received_at).total_seconds())
    return max(-MAX_OFFSET_S, min(MAX_OFFSET_S, offset_s))


def clock_flags(occurred_at: datetime, received_at: datetime, offset_s: int | None) -> list[str]:
    flags = []
    if occurred_at > received_at + _TOLERANCE:
        flags.append(CLOCK_FUTURE)
    elif occurred_at < received_at - timedelta(days=CLOCK_PLAUSIBLE_AGE_DAYS):
        flags.append(CLOCK_STALE)
    if offset_s is not None and abs(offset_s) > _TOLERANCE.total_seconds():
        flags.append(CLOCK_OFFSET)
    return flags
