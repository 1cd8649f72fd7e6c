"""What the engineer's screens show, read from the cache and the queue: jobs, a job's site, carried lines,
the van's stock.

Everything here works offline: an entry waiting in the outbox shows its effect
at once (a removed part is carried, a handed-over line is on its way out, a
completed job is completed, an installed unit has left the van) until the server's own records arrive by pull.
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime


from common.enums import EventType, HolderKind, ReturnStatus, StockGrade, SyncEntity, TravelMode
from common.leaks import missing_units
from common.stock import DEFAULT_INSTALL_GRADE, install_grade
from common.way_back import REMOVALS
from mobile.store import Entry, Store


def local_time(text: str | None, fmt: str = "%H:%M") -> str:
    if not text:
        return ""
    return datetime.fromisoformat(text).astimezone().strftime(fmt)


def window_text(start: str | None, end: str | None, *, in_sentence: bool = False) -> str:
    """"Today 08:00–10:00", "Tomorrow 11:00–13:00" or "Mon 30 Nov 08:00–10:00", in the phone's time zone
    ("today", "tomorrow" inside a sentence)."""
    if not start:
        return ""
    begins = datetime.fromisoformat(start).astimezone()
    days = (begins.date() - datetime.now().astimezone().date()).days
    day = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get(days)
    day = (day.lower() if in_sentence else day) if day else begins.strftime("%a %d %b")
    return f"{day} {begins:%H:%M}–{local_time(end)}" if end else f"{day} {begins:%H:%M}"


def humanise(value: str | None) -> str:
    return (value or "").replace("_", " ")


@dataclass(frozen=True)
class JobCard:
    id: int
    reference: str
    summary: str
    status: str  # open | completed (completed also when its completion is waiting to be sent)
    site_name: str
    customer: str
    address: str
    window: str
    contact: str
    waiting: int  # entries of this job not yet sent
    starts_at: str = ""


@dataclass(frozen=True)
class InstalledItem:
    part_number: str
    serial: str
    removed: bool  # a removal of it is logged on this phone


@dataclass(frozen=True)
class JobView:
    card: JobCard
    installed: list[InstalledItem]
    expected: list[str]
    entries: list[Entry]
    #: The items removed or collected on this job that are on their way back, each with its instruction.
    lines: list["CarriedLine"]
    #: The replacement units on their way for this job, as sentences ("… coming to the site by …").
    replacements: list[str] = field(default_factory=list)


#: What the engineer does with a removed item, from its travel mode.
CARRY, LEAVE, UNDECIDED = "carry", "leave", "undecided"


@dataclass(frozen=True)
class CarriedLine:
    """A return line of the engineer's: carried back, left at the site for a courier, or not decided yet."""

    id: str
    part_number: str
    serial: str | None
    quantity: int
    condition: str
    job_reference: str
    state: str  # carried | not_sent (its removal is waiting) | handing_over (its hand-over is waiting)
    facility: str = ""
    job_id: int | None = None
    travel: str = UNDECIDED  # carry | leave | undecided
    instruction: str = ""

    @property
    def item(self) -> str:
        """"PRN-FUS-220 · AR00000001", or "2 × PRN-RLR-KIT" for parts without a serial."""
        return f"{self.part_number} · {self.serial}" if self.serial else f"{self.quantity} × {self.part_number}"

    def describe(self) -> str:
        what = f"{self.part_number} {self.serial}" if self.serial else f"{self.quantity} × {self.part_number}"
        return f"{what}, {humanise(self.condition)}, from {self.job_reference}"


def jobs(store: Store) -> list[JobCard]:
    """The engineer's jobs, soonest first."""
    waiting = store.waiting()
    cards = [_card(store, job, waiting) for job in store.records(SyncEntity.JOB)]
    return sorted(cards, key=lambda c: (c.status != "open", c.starts_at, c.reference))


def job_view(store: Store, job_id: int) -> JobView | None:
    job = store.record(SyncEntity.JOB, job_id)
    if job is None:
        return None
    site = store.record(SyncEntity.SITE, job["site_id"]) or {}
    removed = {(p.get("part_number"), p.get("serial")) for p in _removal_payloads(store)}
    installed = [InstalledItem(i["part_number"], i["serial"], (i["part_number"], i["serial"]) in removed)
                 for i in site.get("installed", [])]
    expected = [f"{humanise(p.get('action')) or 'part'}: {p.get('quantity', 1)} × {p['part_number']}"
                for p in job.get("expected_parts", [])]
    lines = [line for line in return_lines(store) if line.job_id == job_id]
    coming = [replacement.text for replacement in replacements(store) if replacement.job_id == job_id]
    return JobView(_card(store, job, store.waiting()), installed, expected, store.entries(job_id), lines, coming)


@dataclass(frozen=True)
class Replacement:
    """A replacement unit on its way for one of the engineer's jobs (a delivery record from pull)."""

    job_id: int
    job_reference: str
    at_depot: bool  # collected at the engineer's depot (else it comes to the site)
    deadline: str
    text: str


def replacements(store: Store) -> list[Replacement]:
    """Every replacement on its way to the engineer, the soonest due first."""
    jobs_by_id = {j["id"]: j for j in store.records(SyncEntity.JOB)}
    out = []
    for record in store.records(SyncEntity.DELIVERY):
        job = jobs_by_id.get(record["job_id"]) or {}
        depot = store.record(SyncEntity.FACILITY, record.get("depot_facility_id")) or {}
        out.append(Replacement(record["job_id"], job.get("reference") or f"job {record['job_id']}",
                               record.get("mode") == "depot_collection", record.get("deadline") or "",
                               _replacement_text(record, depot)))
    return sorted(out, key=lambda r: (r.deadline, r.job_reference))


def waiting_at_depot(store: Store) -> list[Replacement]:
    """The replacements to collect at the engineer's depot (there already, or on their way to it)."""
    return [replacement for replacement in replacements(store) if replacement.at_depot]


def _replacement_text(record: dict, depot: dict) -> str:
    quantity = record.get("quantity", 1)
    item = f"{quantity} × {record['part_number']}" if quantity != 1 else record["part_number"]
    what = f"Replacement {item} ({record.get('grade', 'new')})"
    by = window_text(record.get("deadline"), None, in_sentence=True)
    if record.get("mode") != "depot_collection":
        return f"{what} coming to the site by {by}"
    place = depot.get("name") or "your depot"
    if record.get("status") == "at_depot":
        return f"{what} waiting at {place}: collect it before the job"
    return f"{what} arriving at {place} by {by}: collect it before the job"


def expected_back(store: Store, job_id: int) -> list[str]:
    """The part numbers, one per unit, that the job expects back and nothing logged yet accounts for:
    what the phone asks about at completion (common/leaks.py, the server's rule too)."""
    job = store.record(SyncEntity.JOB, job_id) or {}
    entries = [e for e in store.entries(job_id) if e.type in REMOVALS and e.state != "rejected"]
    logged = Counter()
    for entry in entries:
        logged[entry.payload["part_number"]] += entry.payload.get("quantity", 1)
    own = {e.id for e in entries}
    for line in store.records(SyncEntity.RETURN_LINE):
        if line.get("job_id") == job_id and line["id"] not in own and line.get("status") != ReturnStatus.UNCONFIRMED:
            logged[line["part_number"]] += line.get("quantity", 1)
    return [unit.part_number for unit in missing_units(job.get("expected_parts", []), logged)]


def carried_lines(store: Store) -> list[CarriedLine]:
    """Return lines the engineer carries back, or holds until the server decides: what to hand over."""
    return [line for line in return_lines(store) if line.travel != LEAVE]


def left_at_site(store: Store) -> list[CarriedLine]:
    """Return lines the engineer leaves (or has left) at their site for a courier."""
    return [line for line in return_lines(store) if line.travel == LEAVE]


def return_lines(store: Store) -> list[CarriedLine]:
    """Every return line of the engineer's: pulled from the server, or logged here and not yet sent."""
    jobs_by_id = {j["id"]: j for j in store.records(SyncEntity.JOB)}
    facility_by_id = {f["id"]: f for f in store.records(SyncEntity.FACILITY)}
    handing_over = {}
    lines: dict[str, CarriedLine] = {}
    for entry in store.waiting():
        if entry.type == EventType.RETURN_HANDED_OVER:
            facility = facility_by_id.get(entry.payload["facility_id"], {})
            handing_over[entry.payload["return_line_id"]] = facility.get("code") or facility.get("name", "")
        elif entry.type in REMOVALS:
            lines[entry.id] = _line(entry.id, entry.payload, entry.job_id, jobs_by_id, "not_sent",
                                    "Logged on this phone: where it goes is known after sync. Keep it with you.")
    for record in store.records(SyncEntity.RETURN_LINE):
        if record["id"] not in lines:
            travel, instruction = travel_instruction(store, record, facility_by_id)
            lines[record["id"]] = _line(record["id"], record, record.get("job_id"), jobs_by_id, "carried",
                                        instruction, travel)
    for line_id, facility in handing_over.items():
        if line_id in lines:
            lines[line_id] = replace(lines[line_id], state="handing_over", facility=facility)
    return sorted(lines.values(), key=lambda line: (line.state == "handing_over", line.part_number, line.serial or ""))


def travel_instruction(store: Store, record: dict, facility_by_id: dict[int, dict]) -> tuple[str, str]:
    """(carry | leave | undecided, what the engineer does with the item), from a pulled return line."""
    mode = record.get("travel_mode")
    destination = facility_by_id.get(record.get("destination_facility_id")) or {}
    if mode == TravelMode.CARRY_BACK:
        named = f"{destination['name']} ({destination['code']})" if destination else "a depot"
        return CARRY, f"Carry it back to {named}."
    if mode != TravelMode.COURIER_PICKUP:
        return UNDECIDED, "Keep it with you: the server has not decided where it goes yet."
    site = store.record(SyncEntity.SITE, record.get("origin_site_id")) or {}
    where = site.get("name") or "the site"
    item = " ".join(x for x in (record["part_number"], record.get("serial")) if x)
    label = " · ".join(x for x in (record.get("pickup_reference"), item, destination.get("code")) if x)
    if record.get("holder_kind") == HolderKind.SITE:
        first = f"Leave it at {where} for the courier."
    else:
        first = f"Leave it at {where} for the courier when you go."
    if site.get("contact_name"):
        first += f" Hand it to {site['contact_name']}."
    start, end = record.get("pickup_window_start"), record.get("pickup_window_end")
    when = f"Collected {window_text(start, end, in_sentence=True)}." if start else "Collection not planned yet."
    return LEAVE, f"{first} Label it \"{label}\". {when}"


def open_serials(store: Store) -> dict[tuple[str, str], CarriedLine]:
    """Serialised items on their way back and not handed over (carried or left at the site): (part, serial) → line."""
    return {(line.part_number, line.serial): line for line in return_lines(store)
            if line.serial and line.state != "handing_over"}


def facilities(store: Store) -> list[dict]:
    """Facilities to hand over at: depots first, where engineers usually end their day."""
    return sorted(store.records(SyncEntity.FACILITY), key=lambda f: (f.get("kind") != "depot", f.get("code") or ""))


def describe(entry: Entry, store: Store | None = None) -> str:
    """One line a person reads: "Removed PRN-FUS-220 AR00000001, faulty (mechanical wear)"."""
    p = entry.payload
    item = _item(p)
    if entry.type == EventType.PART_REMOVED:
        why = f" ({humanise(p['failure_code'])})" if p.get("failure_code") else ""
        return f"Removed {item}, {humanise(p.get('condition'))}{why}"
    if entry.type == EventType.PART_INSTALLED:
        return f"Installed {item}"
    if entry.type == EventType.EQUIPMENT_COLLECTED:
        return f"Collected {item}, {humanise(p.get('condition'))}"
    if entry.type == EventType.JOB_COMPLETED:
        by = f", signed off by {p['customer_signoff_name']}" if p.get("customer_signoff_name") else ""
        return f"Job completed{by}"
    if entry.type == EventType.RETURN_HANDED_OVER:
        removal = store.entry(p["return_line_id"]) if store else None
        line = removal.payload if removal else (store.record(SyncEntity.RETURN_LINE, p["return_line_id"]) if store else None)
        facility = store.record(SyncEntity.FACILITY, p["facility_id"]) if store else None
        where = facility.get("code") if facility else f"facility {p['facility_id']}"
        return f"Handed over {_item(line) if line else 'a return line'} at {where}"
    return entry.type


def reason(entry: Entry) -> str:
    """Why the server refused an entry, as the sentences it gave."""
    from mobile.entries import field_messages

    return " ".join(field_messages(entry.errors or {}).values()) or "Refused by the server."


def _card(store: Store, job: dict, waiting: list[Entry]) -> JobCard:
    site = store.record(SyncEntity.SITE, job["site_id"]) or {}
    mine = [e for e in waiting if e.job_id == job["id"]]
    completed = job.get("status") == "completed" or any(e.type == EventType.JOB_COMPLETED for e in mine)
    start, end = job.get("window_start"), job.get("window_end")
    contact = " · ".join(x for x in (site.get("contact_name"), site.get("contact_phone")) if x)
    return JobCard(
        id=job["id"], reference=job.get("reference", ""), summary=job.get("summary", ""),
        status="completed" if completed else job.get("status", "open"),
        site_name=site.get("name", f"Site {job['site_id']}"), customer=site.get("customer_name", ""),
        address=site.get("address", ""), contact=contact,
        window=window_text(start, end),
        waiting=len(mine), starts_at=start or "",
    )


def _line(line_id: str, data: dict, job_id, jobs_by_id: dict, state: str, instruction: str,
          travel: str = UNDECIDED) -> CarriedLine:
    job = jobs_by_id.get(job_id) or {}
    return CarriedLine(line_id, data["part_number"], data.get("serial"), data.get("quantity", 1),
                       data.get("condition", "unknown"), job.get("reference") or f"job {job_id}", state,
                       job_id=job_id, travel=travel, instruction=instruction)


def _item(payload: dict) -> str:
    item = " ".join(x for x in (payload.get("part_number"), payload.get("serial")) if x)
    return f"{payload['quantity']} × {item}" if payload.get("quantity", 1) != 1 else item


def _removal_payloads(store: Store) -> list[dict]:
    return [e.payload for e in store.entries() if e.type in REMOVALS and e.state != "rejected"]


@dataclass(frozen=True)
class VanStockRow:
    part_number: str
    description: str
    grade: str
    #: The server's count less the installs logged on this phone and not yet sent.
    quantity: int
    #: Installs of it logged on this phone and not yet sent.
    not_sent: int


def install_grade_for(store: Store, job_id: int, part_number: str) -> str:
    """The grade of the unit an install most likely takes: the job's reserved replacement, else the van's.

    The server consumes the job's reservation whatever the phone says; the
    grade matters when the unit comes from the van unreserved: refurbished
    when the van holds one (the circular choice), else new.
    """
    part_number = part_number.strip().upper()
    for record in store.records(SyncEntity.DELIVERY):
        if record.get("job_id") == job_id and record.get("part_number") == part_number:
            return record["grade"]
    held = {row.grade: row.quantity for row in van_stock(store) if row.part_number == part_number}
    return StockGrade.REFURBISHED.value if held.get(StockGrade.REFURBISHED.value, 0) > 0 else DEFAULT_INSTALL_GRADE.value


def van_stock(store: Store) -> list[VanStockRow]:
    """The van's stock by part and grade: the last pulled balances, less the installs still waiting to be sent
    (an install accepted since has already lowered the cached record; the next pull brings the server's count)."""
    pulled = {(r["part_number"], r["grade"]): r for r in store.records(SyncEntity.VAN_STOCK)}
    waiting = Counter((e.payload["part_number"], install_grade(e.payload).value)
                      for e in store.waiting() if e.type == EventType.PART_INSTALLED)
    rows = []
    for part_number, grade in sorted(set(pulled) | set(waiting)):
        record = pulled.get((part_number, grade)) or {}
        description = record.get("description") or (store.part(part_number) or {}).get("description", "")
        quantity = record.get("quantity", 0) - waiting[(part_number, grade)]
        rows.append(VanStockRow(part_number, description, grade, quantity, waiting[(part_number, grade)]))
    return rows
