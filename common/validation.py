"""Checks an entry must pass before it is saved on the phone or applied on the server.

`validate_event` checks that an event can be stored at all (common/representable.py)
and its shape; `check_against_catalogue` checks
its part numbers and serials against the catalogue (the phone's cached copy or
the server's own). Both return field-level messages in the same form:
``{"payload": {"serial": ["..."]}}``.
"""

import re
from dataclasses import dataclass
from typing import Callable

import marshmallow as ma
import regex

from common.enums import EventType
from common.protocol import PROTOCOL_VERSION
from common.representable import value_problems
from common.schemas import V2_PAYLOAD_FIELDS, EventSchema

_EVENT_SCHEMA = EventSchema()


@dataclass(frozen=True)
class CatalogueEntry:
    part_number: str
    serialised: bool
    serial_pattern: str | None = None


def validate_event(raw: dict, protocol_version: int = PROTOCOL_VERSION) -> tuple[dict | None, dict]:
    """Return ``(event, {})`` for a valid event, ``(None, errors)`` otherwise.

    An event of a version 1 batch may not carry the fields version 2 added.
    """
    if not isinstance(raw, dict):
        return None, {"_schema": ["An event must be a JSON object."]}
    problems = value_problems(raw)
    if problems:
        return None, problems
    try:
        event = _EVENT_SCHEMA.load(raw)
    except ma.ValidationError as err:
        return None, err.messages
    if protocol_version < 2:
        newer = sorted(V2_PAYLOAD_FIELDS.get(event["type"], frozenset()) & set(event["payload"]))
        if newer:
            return None, {"payload": {name: [f"{name} needs sync protocol version 2."] for name in newer}}
    return event, {}


def check_against_catalogue(
    event_type: EventType, payload: dict, lookup: Callable[[str], CatalogueEntry | None]
) -> dict:
    """Field errors for a part number or serial that the catalogue does not allow."""
    part_number = payload.get("part_number")
    if part_number is None:
        return {}
    entry = lookup(part_number)
    if entry is None:
        return {"payload": {"part_number": [f"Unknown part number {part_number!r}."]}}
    serial = payload.get("serial")
    errors: dict[str, list[str]] = {}
    if entry.serialised and not serial and event_type != EventType.PART_INSTALLED:
        errors["serial"] = [f"{part_number} is serialised: its serial is required."]
    if entry.serialised and payload.get("quantity", 1) != 1:
        errors["quantity"] = [f"{part_number} is serialised: log one item per entry."]
    if serial and not entry.serialised:
        errors["serial"] = [f"{part_number} is not serialised: leave its serial empty."]
    elif serial and not serial_fits(entry.serial_pattern, serial):
        errors["serial"] = [f"{serial!r} is not a valid serial for {part_number}."]
    return {"payload": errors} if errors else {}


# --- serials and serial formats ----------------------------------------------

#: The longest serial format the catalogue keeps.
MAX_SERIAL_PATTERN_LENGTH = 120
#: Matching a serial against its part's format gives up after this long (and refuses the serial).
SERIAL_MATCH_TIMEOUT_S = 0.05
#: A serial of a part without a format of its own: a letter or digit, then letters, digits and . _ / -
#: (so that no serial can start like a spreadsheet formula).
GENERIC_SERIAL_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}"

_QUANTIFIER = re.compile(r"[*+?]|\{\d+(?:,\d*)?\}|\{,\d+\}")


def serial_fits(pattern: str | None, serial: str) -> bool:
    """Whether `serial` matches `pattern` (the part's serial format, or the generic one), within the time limit."""
    try:
        return regex.fullmatch(pattern or GENERIC_SERIAL_PATTERN, serial, timeout=SERIAL_MATCH_TIMEOUT_S) is not None
    except (regex.error, TimeoutError):
        return False


def serial_pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a part's serial format: too long, not a regular expression, or one
    whose matching time can explode (a repeated group that itself repeats or has alternatives)."""
    if len(pattern) > MAX_SERIAL_PATTERN_LENGTH:
        return f"A serial format is at most {MAX_SERIAL_PATTERN_LENGTH} characters."
    try:
        regex.compile(pattern)
    except regex.error as err:
        return f"Not a valid regular expression: {err}."
    if _repeats_a_risky_group(pattern):
        return ("A serial format may not repeat a group that itself repeats or has alternatives, such as "
                "(a+)+ or (a|b)*: matching serials against it could take very long.")
    return None


def _repeats_a_risky_group(pattern: str) -> bool:
    """Whether a group holding a quantifier or an alternative (``|``) is followed by a quantifier
    that lets it repeat (anything but ``?``)."""
    risky = [False]  # per open group: does it hold a quantifier or an alternative?
    closed_risky = False  # the group that just closed was risky
    i = 0
    while i < len(pattern):
        char, after_group, closed_risky = pattern[i], closed_risky, False
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _end_of_class(pattern, i)
            continue
        quantifier = _QUANTIFIER.match(pattern, i)
        if quantifier and i > 0:
            if after_group and quantifier.group() != "?":
                return True
            risky[-1] = True
            i = quantifier.end()
            if i < len(pattern) and pattern[i] in "?+":  # lazy or possessive
                i += 1
            continue
        if char == "(":
            risky.append(False)
            if pattern.startswith("?", i + 1):  # (?:…), (?P<name>…), (?=…): not a quantifier
                i += 1
        elif char == ")" and len(risky) > 1:
            closed_risky = risky.pop()
            risky[-1] = risky[-1] or closed_risky
        elif char == "|":
            risky[-1] = True
        i += 1
    return False


def _end_of_class(pattern: str, start: int) -> int:
    """The index after the character class that opens at `start`."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1
