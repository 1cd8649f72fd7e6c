"""Turning what the engineer typed into checked entries, and logging them.

An entry is checked, before it is saved, exactly as the server will check it
(``common.validation``: the event's shape, then its part number and serial
against the cached catalogue), and then for what only the phone knows: a
serial already logged on this phone and not yet handed over.
"""

import dataclasses
import uuid

from common.enums import EventType
from common.stock import DEFAULT_INSTALL_GRADE
from common.validation import CatalogueEntry, check_against_catalogue, validate_event
from common.way_back import REMOVALS, way_back_problem
from mobile import serials, workday
from mobile.store import Draft, Entry, Store, utc_now


#: What a screen says under a field left empty, in place of the schema's "Missing data for required field."
BLANK = {
    "part_number": "Enter the part number: pick the item, scan its label or type it.",
    "serial": "Enter the serial: scan its label or type it.",
    "condition": "Choose the condition.",
    "quantity": "Enter how many.",
}


class EntryRefused(Exception):
    """Some drafts did not pass the checks: `errors[i]` holds the field messages of draft i."""

    def __init__(self, errors: list[dict]):
        super().__init__("Some fields need correcting.")
        self.errors = errors

    def messages(self, index: int) -> dict[str, str]:
        return field_messages(self.errors[index])


def _text(value):
    """A typed value without surrounding blanks; None when nothing was typed."""
    if isinstance(value, str):
        value = value.strip()
    return None if value in ("", None) else value


def _payload(**fields) -> dict:
    """The payload with blank optional fields left out."""
    return {name: value for name, value in ((n, _text(v)) for n, v in fields.items()) if value is not None}


def removal(job_id: int, part_number: str, serial: str | None, condition: str, failure_code: str | None = None,
            quantity: int = 1, entry_id: str | None = None) -> Draft:
    """`entry_id`: the removal's id chosen now, for an install that replaces it (see `swap`)."""
    payload = _payload(part_number=part_number, serial=serial, condition=condition, failure_code=failure_code)
    if quantity != 1:
        payload["quantity"] = quantity
    return Draft(EventType.PART_REMOVED, job_id, payload, entry_id)


def installation(job_id: int, part_number: str, serial: str | None, replaces: str | None = None,
                 grade: str | None = DEFAULT_INSTALL_GRADE) -> Draft:
    """`replaces`: the id of the removal this install swaps for (protocol v2)."""
    payload = _payload(part_number=part_number, serial=serial, replaces=replaces, grade=grade)
    return Draft(EventType.PART_INSTALLED, job_id, payload)


def swap(job_id: int, removed: dict, installed: dict) -> list[Draft]:
    """A swap saved whole: the removal, and the install that names it (`replaces`)."""
    removal_id = str(uuid.uuid4())
    return [removal(job_id, **removed, entry_id=removal_id),
            installation(job_id, **installed, replaces=removal_id)]


def collection(job_id: int, part_number: str, serial: str, condition: str) -> Draft:
    return Draft(EventType.EQUIPMENT_COLLECTED, job_id,
                 _payload(part_number=part_number, serial=serial, condition=condition))


def completion(job_id: int, notes: str | None, customer_signoff_name: str | None,
               not_returned: list[dict] | None = None) -> Draft:
    """`not_returned`: [{part_number, reason}], one per expected unit the engineer did not bring back."""
    payload = _payload(notes=notes, customer_signoff_name=customer_signoff_name)
    if not_returned:
        payload["not_returned"] = [{"part_number": p["part_number"], "reason": _text(p["reason"]) or ""}
                                   for p in not_returned]
    return Draft(EventType.JOB_COMPLETED, job_id, payload)


def hand_over(return_line_id: str, facility_id: int) -> Draft:
    return Draft(EventType.RETURN_HANDED_OVER, None, {"return_line_id": return_line_id, "facility_id": facility_id})


def check(store: Store, drafts: list[Draft]) -> list[dict]:
    """Field errors of each draft, in the protocol's form ({} when it may be saved)."""
    open_serials = workday.open_serials(store)
    errors = []
    for i, draft in enumerate(drafts):
        probe = {"id": str(uuid.uuid4()), "seq": 1, "type": str(draft.type), "occurred_at": utc_now(),
                 "job_id": draft.job_id, "payload": draft.payload}
        _, found = validate_event(probe)
        if not found:
            found = check_against_catalogue(draft.type, draft.payload, lambda pn: _catalogue_entry(store, pn))
        if not found:
            found = _check_serial(draft, drafts[:i], open_serials)
        errors.append(_in_words(store, draft, found))
    return errors


def _in_words(store: Store, draft: Draft, errors: dict) -> dict:
    """Say what is missing when a field was left empty, and what a mistyped serial probably is."""
    payload_errors = errors.get("payload")
    if not isinstance(payload_errors, dict):
        return errors
    worded = dict(payload_errors)
    for name in worded:
        if name in BLANK and draft.payload.get(name) in (None, ""):
            worded[name] = [BLANK[name]]
    serial = draft.payload.get("serial")
    if "serial" in worded and serial:
        guess = serials.look_alike_message(serial, _catalogue_entry(store, draft.payload.get("part_number", "")))
        if guess:
            worded["serial"] = [guess]
    return {**errors, "payload": worded}


def log(store: Store, drafts: list[Draft], username: str, corrects: str | None = None) -> list[Entry]:
    """Check the drafts and, when all pass, save them together; raises EntryRefused otherwise."""
    drafts = [_catalogue_spelling(store, d) for d in drafts]
    errors = check(store, drafts)
    if any(errors):
        raise EntryRefused(errors)
    return store.log_entries(drafts, username=username, corrects=corrects)


def field_messages(errors: dict) -> dict[str, str]:
    """{"payload": {"serial": ["…"]}} → {"serial": "…"}: one sentence per field a screen shows."""
    flat: dict[str, str] = {}
    for name, value in errors.items():
        if name == "payload" and isinstance(value, dict):
            flat.update(field_messages(value))
        elif isinstance(value, dict):
            flat[name] = " ".join(" ".join(v) if isinstance(v, list) else str(v) for v in value.values())
        else:
            flat[name] = " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return flat


def _catalogue_entry(store: Store, part_number: str) -> CatalogueEntry | None:
    part = store.part(part_number)
    return serials.catalogue_entry(part) if part is not None and part["part_number"] == part_number else None


def _catalogue_spelling(store: Store, draft: Draft) -> Draft:
    """Write a part number as the catalogue does ("prn-fus-220" → "PRN-FUS-220")."""
    typed = draft.payload.get("part_number")
    part = store.part(typed) if isinstance(typed, str) else None
    if part is None or part["part_number"] == typed:
        return draft
    return dataclasses.replace(draft, payload={**draft.payload, "part_number": part["part_number"]})


def _check_serial(draft: Draft, earlier: list[Draft], open_serials: dict) -> dict:
    serial = draft.payload.get("serial")
    if not serial:
        return {}
    key = (draft.payload["part_number"], serial)
    line = open_serials.get(key)
    logged = f"from {line.job_reference}" if line is not None else None
    if draft.type in REMOVALS and logged is None and any(
            d.type in REMOVALS and (d.payload.get("part_number"), d.payload.get("serial")) == key for d in earlier):
        return {"payload": {"serial": [f"{serial} appears twice in this entry."]}}
    if draft.type == EventType.PART_INSTALLED and logged is None and any(
            (d.payload.get("part_number"), d.payload.get("serial")) == key for d in earlier):
        logged = "removed in this entry"
    problem = way_back_problem(draft.type, serial, logged)
    return {"payload": {"serial": [problem]}} if problem else {}
