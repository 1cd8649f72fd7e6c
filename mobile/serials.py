"""Serials typed by hand: characters that look alike (O and 0, I and 1) and the serial the engineer meant.

Whether a serial fits its part's pattern is decided by ``common.validation``,
as everywhere else; this module only proposes the look-alike spellings to try.
"""

from itertools import product

from common.enums import EventType
from common.validation import CatalogueEntry, check_against_catalogue

LOOK_ALIKES = {"O": "O0", "0": "0O", "I": "I1", "1": "1I"}
#: Beyond this many look-alike characters the spellings to try (2^n) are too many: no guess is made.
MAX_LOOK_ALIKES = 10


def fits(serial: str, entry: CatalogueEntry) -> bool:
    """True when the part's serial pattern (if it has one) allows `serial`."""
    errors = check_against_catalogue(EventType.PART_INSTALLED, {"part_number": entry.part_number, "serial": serial},
                                     lambda part_number: entry)
    return not errors


def meant(serial: str, entry: CatalogueEntry | None) -> str | None:
    """The one serial the pattern allows that differs from `serial` only in case or look-alike characters.

    None when `serial` fits already, when nothing else fits, or when several would (no way to tell which).
    """
    typed = (serial or "").strip()
    if not typed or entry is None or not entry.serial_pattern or fits(typed, entry):
        return None
    upper = typed.upper()
    if sum(c in LOOK_ALIKES for c in upper) > MAX_LOOK_ALIKES:
        return upper if fits(upper, entry) else None
    choices = [LOOK_ALIKES.get(c, c) for c in upper]
    found = {candidate for candidate in map("".join, product(*choices)) if fits(candidate, entry)}
    return found.pop() if len(found) == 1 else None


def look_alike_message(serial: str, entry: CatalogueEntry | None) -> str:
    """"Did you mean AR00000001? …" when a look-alike spelling fits the part's pattern; "" otherwise."""
    guess = meant(serial, entry)
    if guess is None:
        return ""
    return f"Did you mean {guess}? O and 0, I and 1 look alike: check the label."


def catalogue_entry(part: dict | None) -> CatalogueEntry | None:
    """The catalogue entry of a cached part record."""
    if part is None:
        return None
    return CatalogueEntry(part["part_number"], bool(part.get("serialised")), part.get("serial_pattern"))
