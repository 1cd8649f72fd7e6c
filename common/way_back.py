"""One rule the phone and the server both apply: a serial on its way back cannot be removed or installed again.

A physical item is on at most one open return line. The phone knows the lines it
logged or pulled, the server all of them; each finds the open line and asks here
what to say.
"""

from common.enums import EventType

#: Entries that put a serial on its way back.
REMOVALS = frozenset({EventType.PART_REMOVED, EventType.EQUIPMENT_COLLECTED})


def way_back_problem(event_type: EventType, serial: str | None, logged: str | None) -> str | None:
    """Why an entry of `event_type` about `serial` is refused while the serial is on an open return line.

    `logged` says how that line was logged ("removed on 01 Dec 2026", "from J-1"); None when the serial
    is on no open line. None is returned when the entry may be saved.
    """
    if logged is None or not serial:
        return None
    if event_type in REMOVALS:
        return f"{serial} is already logged as on its way back ({logged})."
    if event_type == EventType.PART_INSTALLED:
        return f"{serial} is on its way back ({logged}); it cannot be installed."
    return None
