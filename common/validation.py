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

from common.enums import EventType
from common.representable import value_problems
from common.schemas import EventSchema

_EVENT_SCHEMA = EventSchema()


@dataclass(frozen=True)
class CatalogueEntry:
    part_number: str
    serialised: bool
    serial_pattern: str | None = None


def validate_event(raw: dict) -> tuple[dict | None, dict]:
    """Return ``(event, {})`` for a valid event, ``(None, errors)`` otherwise."""
    if not isinstance(raw, dict):
        return None, {"_schema": ["An event must be a JSON object."]}
    problems = value_problems(raw)
    if problems:
        return None, problems
    try:
        return _EVENT_SCHEMA.load(raw), {}
    except ma.ValidationError as err:
        return None, err.messages


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
    if serial and entry.serial_pattern and not re.fullmatch(entry.serial_pattern, serial):
        errors["serial"] = [f"{serial!r} is not a valid serial for {part_number}."]
    return {"payload": errors} if errors else {}
