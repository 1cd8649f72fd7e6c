"""What each accepted field event does to the domain.

`FieldFacts` is built once per push with everything the batch refers to
loaded in a handful of queries; then each event is checked and applied in
memory, in seq order, so that a batch may remove a part and hand it over.
A check returns field-level errors and changes nothing; `apply` is called
only for an event whose check passed. An accepted event that the records
contradict (a serial they put at another site or with someone else, a job
completed after it was given to another engineer) is held: it becomes a
review item for a dispatcher (server/services/sync/reviews.py) and changes no
custody, installed base or job until it is resolved.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import instrumentation

from common.enums import (
    EventType, HolderKind, ItemStatus, JobStatus, ReturnStatus, ReviewKind, ReviewStatus, TravelMode,
)
from common.validation import CatalogueEntry, check_against_catalogue
from common.way_back import way_back_problem
from server.database import insert_rows
from server.logistics.states import CLOSED_RETURN_STATUSES, IllegalTransition, job_transition, return_transition
from server.models import (
    CustodyEntry,
    Facility,
    Job,
    JobAssignment,
    PartNumber,
    Replacement,
    ReturnLine,
    ReviewItem,
    SerialisedItem,
    Site,
    User,
)
from server.models.types import utcnow
from server.services.sync.changes import record_new_return_lines
from server.services.integration import feed_log
from server.services.returns.engine import leave_at_site
from server.services.stock import reservations
from server.services.stock.installs import record_install
from server.services.sync.leaks import control_leaks

_RETURN_LINES = instrumentation.manager_of_class(ReturnLine)

AFTER_REASSIGNMENT = "after_reassignment"
SERIAL_NOT_IN_INSTALLED_BASE = "serial_not_in_installed_base"
SERIAL_ELSEWHERE = "serial_recorded_elsewhere"
HELD_FOR_REVIEW = "held_for_review"


@dataclass
class Applied:
    flags: list[str] = field(default_factory=list)
    return_line_id: uuid.UUID | None = None


def _error(path: str, message: str) -> dict:
    head, _, tail = path.partition(".")
    return {head: {tail: [message]}} if tail else {head: [message]}


class FieldFacts:
    def __init__(self, session: so.Session, user: User, events: list[dict]):
        self.session = session
        self.user = user
        self.new_line_ids: list[uuid.UUID] = []
        # New return lines and custody entries are written with multi-row INSERTs after the flush
        # (write_new_rows), which costs a fraction of an ORM flush. A batch that completes a job may
        # have the engine add custody entries as ORM objects (leave_at_site); such a batch stays
        # with the ORM throughout, so that every row keeps the order it was made in.
        self._in_bulk = all(e["type"] != EventType.JOB_COMPLETED for e in events)
        self._new_lines: list[ReturnLine] = []
        self._custody_rows: list[tuple[ReturnLine, SerialisedItem | None, dict]] = []
        self._review_rows: list[tuple[dict, SerialisedItem | None]] = []
        self._replacement_rows: list[tuple[dict, SerialisedItem | None]] = []
        self._installs: list[tuple[uuid.UUID, dict]] = []
        payloads = [e["payload"] for e in events]
        part_numbers = {p["part_number"] for p in payloads if "part_number" in p}
        serials = {p["serial"] for p in payloads if p.get("serial")}
        job_ids = {e["job_id"] for e in events if e.get("job_id") is not None}
        replaces = {p["replaces"] for p in payloads if p.get("replaces") is not None}
        line_ids = {p["return_line_id"] for p in payloads if "return_line_id" in p} | replaces
        facility_ids = {p["facility_id"] for p in payloads if "facility_id" in p}

        self.parts = {p.part_number: p for p in self._all(PartNumber, PartNumber.part_number, part_numbers)}
        self.jobs = {j.id: j for j in self._all(Job, Job.id, job_ids)}
        self.sites = {s.id: s for s in self._all(Site, Site.id, {j.site_id for j in self.jobs.values()})}
        self.facilities = {f.id: f for f in self._all(Facility, Facility.id, facility_ids)}
        self.assignments: dict[int, list[JobAssignment]] = {}
        for a in self._all(JobAssignment, JobAssignment.job_id, job_ids):
            if a.engineer_id == user.id:
                self.assignments.setdefault(a.job_id, []).append(a)
        items = self._all(SerialisedItem, SerialisedItem.serial, serials)
        self.items = {(i.part_number_id, i.serial): i for i in items}
        self.lines = {
            line.id: line
            for line in self.session.scalars(
                sa.select(ReturnLine)
                .where(ReturnLine.id.in_(list(line_ids)))
                .options(so.selectinload(ReturnLine.serialised_item))
            )
        } if line_ids else {}
        # A swap's link, by the removal it names: written by an install of this batch or an earlier one.
        removals = {e["id"] for e in events if e["type"] in (EventType.PART_REMOVED, EventType.EQUIPMENT_COLLECTED)}
        self.replacements: dict[uuid.UUID, Replacement | dict] = {
            r.removal_event_id: r for r in self._all(Replacement, Replacement.removal_event_id, removals | replaces)}
        # The unconfirmed lines of the batch's jobs, oldest unit first: a removal logged late confirms one.
        self.unconfirmed: dict[tuple[int, int], list[ReturnLine]] = {}
        waiting = self.session.scalars(
            sa.select(ReturnLine).where(ReturnLine.job_id.in_(list(job_ids)),
                                        ReturnLine.status == ReturnStatus.UNCONFIRMED)
            .order_by(ReturnLine.removed_at, ReturnLine.id)
        ) if job_ids else []
        for line in waiting:
            self.unconfirmed.setdefault((line.job_id, line.part_number_id), []).append(line)
        # A physical item can only be on its way back once.
        self.open_line_of_item: dict[SerialisedItem, ReturnLine] = {}
        if items:
            by_id = {i.id: i for i in items}
            open_lines = self.session.scalars(
                sa.select(ReturnLine).where(
                    ReturnLine.serialised_item_id.in_(list(by_id)),
                    ReturnLine.status.not_in(CLOSED_RETURN_STATUSES),
                )
            )
            for line in open_lines:
                self.open_line_of_item[by_id[line.serialised_item_id]] = line

    # --- rows written in bulk ----------------------------------------------

    def _new_line(self, **values) -> ReturnLine:
        if not self._in_bulk:
            line = ReturnLine(**values)
            self.session.add(line)
            return line
        # Never flushed, so it needs no change tracking: its attributes are set directly, a tenth
        # of the cost of the ORM constructor's change events. Later changes in the batch (a
        # hand-over) go through the ORM as usual; write_new_rows reads the final values.
        line = _RETURN_LINES.new_instance()
        line.__dict__.update(values)
        self._new_lines.append(line)
        return line

    def _add_custody(self, line: ReturnLine, item: SerialisedItem | None, **fields) -> None:
        if self._in_bulk:
            self._custody_rows.append((line, item, fields))
        else:
            self.session.add(CustodyEntry(return_line=line, serialised_item=item, **fields))

    def log_new_lines(self) -> None:
        """Write the change log of the new lines; call it after the last event and before the flush."""
        with self.session.no_autoflush:
            record_new_return_lines(self.session, self._new_lines)
            feed_log.record_new_return_lines(self.session, self._new_lines)

    def write_new_rows(self) -> None:
        """Insert the new lines, custody entries and review items; call it after the flush that wrote new items."""
        if self._new_lines:
            self.session.execute(sa.insert(ReturnLine.__table__), insert_rows(self._new_lines))
            self._new_lines.clear()
        if self._custody_rows:
            rows = [{"return_line_id": line.id, "serialised_item_id": item.id if item is not None else None, **fields}
                    for line, item, fields in self._custody_rows]
            self.session.execute(sa.insert(CustodyEntry.__table__), rows)
            self._custody_rows.clear()
        if self._review_rows:
            rows = [{**fields, "serialised_item_id": item.id if item is not None else None}
                    for fields, item in self._review_rows]
            self.session.execute(sa.insert(ReviewItem.__table__), rows)
            self._review_rows.clear()
        # After the lines: a swap's link points at its removal's line.
        if self._replacement_rows:
            rows = [{**fields, "serialised_item_id": item.id if item is not None else None}
                    for fields, item in self._replacement_rows]
            self.session.execute(sa.insert(Replacement.__table__), rows)
            self._replacement_rows.clear()
        # An install of an earlier batch waited for this batch's removal.
        waited = [link for link in self.replacements.values() if isinstance(link, Replacement)
                  and link.return_line_id is None and link.removal_event_id in self.lines]
        for link in waited:
            link.return_line_id = self.lines[link.removal_event_id].id
        if waited:
            self.session.flush()

    def _all(self, model, column, values):
        if not values:
            return []
        return self.session.scalars(sa.select(model).where(column.in_(list(values)))).all()

    # --- checks ------------------------------------------------------------

    def check(self, event: dict) -> dict:
        kind = event["type"]
        payload = event["payload"]
        errors = check_against_catalogue(kind, payload, self._catalogue_entry)
        if errors:
            return errors
        if event.get("job_id") is not None:
            job_errors = self._check_job(event)
            if job_errors:
                return job_errors
        return getattr(self, f"_check_{kind}")(event)

    def _catalogue_entry(self, part_number: str) -> CatalogueEntry | None:
        part = self.parts.get(part_number)
        if part is None:
            return None
        return CatalogueEntry(part.part_number, part.serialised, part.serial_pattern)

    def _check_job(self, event: dict) -> dict:
        if event["job_id"] not in self.assignments:
            return _error("job_id", f"Job {event['job_id']} is not, and never was, assigned to you.")
        return {}

    def _item_for(self, payload: dict) -> SerialisedItem | None:
        part = self.parts[payload["part_number"]]
        return self.items.get((part.id, payload.get("serial")))

    def _own_open_line(self, payload: dict) -> ReturnLine | None:
        """The open return line of this serial that this engineer logged (another's is held, not refused)."""
        item = self._item_for(payload) if payload.get("serial") else None
        line = self.open_line_of_item.get(item) if item is not None else None
        return line if line is not None and line.removed_by_id == self.user.id else None

    def _way_back_problem(self, event: dict) -> dict:
        line = self._own_open_line(event["payload"])
        logged = f"removed on {line.removed_at:%d %b %Y}" if line is not None else None
        problem = way_back_problem(event["type"], event["payload"].get("serial"), logged)
        return _error("payload.serial", problem) if problem else {}

    _check_part_removed = _check_equipment_collected = _way_back_problem

    def _check_part_installed(self, event: dict) -> dict:
        return self._way_back_problem(event) or self._check_replaces(event)

    def _check_replaces(self, event: dict) -> dict:
        """A swap's install names a removal of its own job that no other install replaced."""
        removal_id = event["payload"].get("replaces")
        if removal_id is None:
            return {}
        line = self.lines.get(removal_id)
        if line is not None and (line.job_id != event["job_id"] or line.origin == EventType.JOB_COMPLETED):
            return _error("payload.replaces", f"{removal_id} is not a removal logged on job {event['job_id']}.")
        link = self.replacements.get(removal_id)
        if link is not None:
            serial = link["serial"] if isinstance(link, dict) else link.serial
            return _error("payload.replaces", f"That removal was already replaced{f' by {serial}' if serial else ''}.")
        return {}

    def _check_job_completed(self, event: dict) -> dict:
        job = self.jobs[event["job_id"]]
        if job.engineer_id != self.user.id:
            return {}  # a completion after a reassignment is held whatever the job's status
        try:
            job_transition(job.status, JobStatus.COMPLETED)
        except IllegalTransition:
            return _error("job_id", f"Job {job.reference} is {job.status}; it cannot be completed again.")
        return {}

    def _check_return_handed_over(self, event: dict) -> dict:
        payload = event["payload"]
        line = self.lines.get(payload["return_line_id"])
        if line is None or line.holder_kind != HolderKind.ENGINEER or line.holder_id != self.user.id:
            return _error("payload.return_line_id", "This return line is not in your custody.")
        if payload["facility_id"] not in self.facilities:
            return _error("payload.facility_id", f"No facility {payload['facility_id']}.")
        try:
            return_transition(line.status, ReturnStatus.DELIVERED)
        except IllegalTransition as err:
            return _error("payload.return_line_id", str(err))
        return {}

    # --- effects -----------------------------------------------------------

    def apply(self, event: dict) -> Applied:
        applied = Applied()
        job = self.jobs.get(event.get("job_id"))
        if job is not None and job.engineer_id != self.user.id:
            applied.flags.append(AFTER_REASSIGNMENT)
        getattr(self, f"_apply_{event['type']}")(event, job, applied)
        return applied

    def _apply_part_removed(self, event: dict, job: Job, applied: Applied) -> None:
        payload = event["payload"]
        at: datetime = event["occurred_at"]
        part = self.parts[payload["part_number"]]
        site = self.sites[job.site_id]
        item = None
        held_because = None
        if payload.get("serial"):
            item = self._item_for(payload)
            if item is None:
                applied.flags.append(SERIAL_NOT_IN_INSTALLED_BASE)
                item = SerialisedItem(part=part, serial=payload["serial"], site_id=site.id)
                self.session.add(item)
                self.items[(part.id, item.serial)] = item
            else:
                held_because = self._elsewhere(item, site.id, stock_may_leave=False)
                if held_because is not None or item.site_id != site.id or item.status != ItemStatus.INSTALLED:
                    applied.flags.append(SERIAL_ELSEWHERE)
            if held_because is None:
                item.status = ItemStatus.REMOVED
                item.location_kind, item.location_id = HolderKind.ENGINEER, self.user.id
        # A held line is in the remover's van all the same, but is tied to no item of the installed
        # base, and waits for its disposition, until a dispatcher resolves it.
        linked_item = item if held_because is None else None
        values = dict(
            part_number_id=part.id,
            serial=payload.get("serial"),
            quantity=payload.get("quantity", 1),
            origin=event["type"],
            condition=payload["condition"],
            failure_code=payload.get("failure_code"),
            origin_site_id=site.id,
            job_id=job.id,
            removed_by_id=self.user.id,
            removed_at=at,
            status=ReturnStatus.AWAITING_DISPOSITION,
            status_changed_at=at,
            holder_kind=HolderKind.ENGINEER,
            holder_id=self.user.id,
            serialised_item=linked_item,
        )
        line = self._unconfirmed_line(job, part, payload)
        if line is None:
            line = self._new_line(id=event["id"], **values)
        else:
            # Logged after the job's completion, the removal confirms the unit the job was missing.
            line.move_to(values.pop("status"), at)
            for name, value in values.items():
                setattr(line, name, value)
        if linked_item is not None:
            self.open_line_of_item[linked_item] = line
        self.lines[line.id] = line
        self.lines[event["id"]] = line
        link = self.replacements.get(event["id"])
        if isinstance(link, dict):
            link["return_line_id"] = line.id
        self._add_custody(
            line,
            linked_item,
            holder_kind=HolderKind.ENGINEER,
            holder_id=self.user.id,
            place=f"{site.name}, {site.address}",
            at=at,
            event_id=event["id"],
            recorded_by_id=self.user.id,
            note=f"Removed by {self.user.display_name}",
        )
        if held_because is None:
            self.new_line_ids.append(line.id)
        else:
            self._hold(event, ReviewKind.REMOVAL_ELSEWHERE, held_because, applied, job, line.id, item)
        applied.return_line_id = line.id

    _apply_equipment_collected = _apply_part_removed

    def _unconfirmed_line(self, job: Job, part: PartNumber, payload: dict) -> ReturnLine | None:
        """The job's oldest unconfirmed line of this part that a removal of one unit confirms, if any."""
        waiting = self.unconfirmed.get((job.id, part.id))
        return waiting.pop(0) if waiting and payload.get("quantity", 1) == 1 else None

    def _apply_part_installed(self, event: dict, job: Job, applied: Applied) -> None:
        payload = event["payload"]
        part = self.parts[payload["part_number"]]
        record_install(self.session, event, job, part, payload, engineer_id=self.user.id)
        item = self._install_serial(event, job, part, applied) if payload.get("serial") else None
        if payload.get("replaces") is not None:
            self._link_swap(event, job, part, item)
        self._installs.append((event["id"], payload))

    def _install_serial(self, event: dict, job: Job, part: PartNumber, applied: Applied) -> SerialisedItem | None:
        """Put the serial in the site's installed base; None when the records put it elsewhere (held)."""
        payload = event["payload"]
        item = self._item_for(payload)
        if item is None:
            item = SerialisedItem(part=part, serial=payload["serial"])
            self.session.add(item)
            self.items[(part.id, item.serial)] = item
        else:
            # A spare taken from a facility's stock leaves it by being installed.
            held_because = self._elsewhere(item, job.site_id, stock_may_leave=True)
            if held_because is not None:
                applied.flags.append(SERIAL_ELSEWHERE)
                self._hold(event, ReviewKind.INSTALL_ELSEWHERE, held_because, applied, job, None, item)
                return None
        install_item(item, job.site_id, event["occurred_at"])
        return item

    def _link_swap(self, event: dict, job: Job, part: PartNumber, item: SerialisedItem | None) -> None:
        """Record the swap; its removal's line, if already here, is tied to it now, else when it arrives."""
        payload = event["payload"]
        line = self.lines.get(payload["replaces"])
        link = {
            "install_event_id": event["id"], "removal_event_id": payload["replaces"],
            "return_line_id": line.id if line is not None else None, "job_id": job.id, "part_number_id": part.id,
            "serial": payload.get("serial"), "grade": payload.get("grade"), "installed_by_id": self.user.id,
            "installed_at": event["occurred_at"],
        }
        self.replacements[payload["replaces"]] = link
        self._replacement_rows.append((link, item))

    def _apply_job_completed(self, event: dict, job: Job, applied: Applied) -> None:
        payload = event["payload"]
        if job.engineer_id == self.user.id:
            complete_job(self.session, job, event["occurred_at"], payload)
            control_leaks(self.session, job, self.user, event["occurred_at"], payload.get("not_returned", ()),
                          batch_lines=self.lines.values(), batch_installs=self._installs)
        else:
            now_with = job.engineer.display_name if job.engineer is not None else "nobody"
            reason = (f"Job {job.reference} was reassigned to {now_with}; "
                      f"{self.user.display_name}'s completion leaves it as it is.")
            self._hold(event, ReviewKind.COMPLETION_AFTER_REASSIGNMENT, reason, applied, job, None, None)
        # Items the engine asked to leave for the courier stay behind when the engineer leaves.
        waiting = self.session.scalars(
            sa.select(ReturnLine).where(
                ReturnLine.job_id == job.id, ReturnLine.holder_kind == HolderKind.ENGINEER,
                ReturnLine.holder_id == self.user.id, ReturnLine.travel_mode == TravelMode.COURIER_PICKUP,
                ReturnLine.status == ReturnStatus.AWAITING_PICKUP,
            )
        )
        for line in waiting:
            leave_at_site(self.session, line, event["occurred_at"], f"Left at the site for the courier by {self.user.display_name}")

    # --- held for review -----------------------------------------------------

    def _elsewhere(self, item: SerialisedItem, site_id: int, stock_may_leave: bool) -> str | None:
        """Why the records put `item` somewhere else than this engineer at `site_id`; None when they agree."""
        line = self.open_line_of_item.get(item)
        if line is not None:
            remover = self.session.get(User, line.removed_by_id)
            return (f"Serial {item.serial} is on its way back: {remover.display_name} logged it as removed "
                    f"on {line.removed_at:%d %b %Y}.")
        if item.status == ItemStatus.INSTALLED:
            if item.site_id == site_id:
                return None
            site = self.session.get(Site, item.site_id) if item.site_id is not None else None
            return f"Serial {item.serial} is installed at {site.name if site else 'another site'}."
        if (item.location_kind, item.location_id) == (HolderKind.ENGINEER, self.user.id):
            return None
        if stock_may_leave and item.status == ItemStatus.IN_STOCK:
            return None
        return f"Serial {item.serial} is {item.status.replace('_', ' ')}, with {self._holder(item)}."

    def _holder(self, item: SerialisedItem) -> str:
        model = {HolderKind.ENGINEER: User, HolderKind.FACILITY: Facility, HolderKind.SITE: Site}.get(item.location_kind)
        holder = self.session.get(model, item.location_id) if model and item.location_id is not None else None
        if holder is None:
            return f"a {item.location_kind.value}"
        return getattr(holder, "display_name", None) or holder.name

    def _hold(self, event: dict, kind: ReviewKind, reason: str, applied: Applied, job: Job,
              line_id: uuid.UUID | None, item: SerialisedItem | None) -> None:
        applied.flags.append(HELD_FOR_REVIEW)
        # The item may be new in this batch: its id is known once the flush has written it.
        self._review_rows.append(({
            "kind": kind, "status": ReviewStatus.OPEN, "event_id": event["id"], "engineer_id": self.user.id,
            "job_id": job.id, "return_line_id": line_id, "reason": reason[:500], "created_at": utcnow(),
        }, item))

    def _apply_return_handed_over(self, event: dict, job: Job | None, applied: Applied) -> None:
        payload = event["payload"]
        line = self.lines[payload["return_line_id"]]
        facility = self.facilities[payload["facility_id"]]
        at = event["occurred_at"]
        line.move_to(ReturnStatus.DELIVERED, at)
        line.holder_kind, line.holder_id = HolderKind.FACILITY, facility.id
        line.pickup = None  # the engineer brought it: no courier needed
        item = line.serialised_item
        if item is not None:
            item.location_kind, item.location_id = HolderKind.FACILITY, facility.id
        self._add_custody(
            line,
            item,
            holder_kind=HolderKind.FACILITY,
            holder_id=facility.id,
            place=f"{facility.name} ({facility.code})",
            at=at,
            event_id=event["id"],
            recorded_by_id=self.user.id,
            note=f"Handed over by {self.user.display_name}",
        )
        applied.return_line_id = line.id


def install_item(item: SerialisedItem, site_id: int, at: datetime) -> None:
    """Put `item` in the installed base of `site_id` from `at`."""
    item.status = ItemStatus.INSTALLED
    item.location_kind, item.location_id = HolderKind.SITE, site_id
    item.site_id = site_id
    item.installed_on = at.date()


def complete_job(session: so.Session, job: Job, at: datetime, payload: dict) -> None:
    """Close `job` with the notes and sign-off of a job_completed payload; runs in the caller's transaction.

    Replacement units still held for it were not installed: they are released (and their deliveries cancelled).
    """
    reservations.release_for_job(session, job.id)
    job.move_to(JobStatus.COMPLETED)
    job.completed_at = at
    job.notes = payload.get("notes")
    job.customer_signoff_name = payload.get("customer_signoff_name")
