"""The server's notion of now, which a simulation can move forward.

Everything that needs the current time asks `now()`. Normally it is the wall
clock; ``flask simulate`` shifts it to replay several days in minutes.
"""

from datetime import datetime, timedelta, timezone

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(timezone.utc) + _offset


def shift_to(moment: datetime) -> None:
    """Make `now()` read `moment` from here on (and advance with the wall clock)."""
    global _offset
    _offset = moment - datetime.now(timezone.utc)


def reset() -> None:
    global _offset
    _offset = timedelta(0)
