"""Writes the outbound feed in the transaction of the fact itself, after each flush.

Like the sync change log (server/services/sync/changes.py), every fact goes
through a session flush, whoever records it: a push, the engine, a dispatcher,
a facility, the chasing task. New return lines a push inserts without the ORM
are written by `record_new_return_lines`. Each event's data and refs follow
its schema in common/feed_schemas.py.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common import feed_schemas as feed
from common.enums import HolderKind, PickupStatus, ProcessingOutcome, ReturnStatus, StockLocationKind
from server.models import (
    Delivery, DispositionRecord, Facility, FeedEvent, PartNumber, Pickup, ProcessingRecord, Reservation, ReturnLine,
    StockLocation, StockMovement, User,
)
from server.models.pickups import pickup_reference
from server.models.types import utcnow
from server.services.flush_history import before, changed
from server.services.stock.ledger import location_code

#: Key in ``session.info`` of the ids of events written in the current transaction (for the webhooks).
NEW_EVENTS = "fieldloop.new_feed_events"
#: Event ids derived from an append-only record are the same however often it is read back.
_ID_NAMESPACE = uuid.UUID("5b0f3a52-8f6e-4b8e-9d57-2f5b1c0e7a11")
_PICKUP_PLAN_FIELDS = ("planned_date", "window_start", "window_end")
_CENTS = Decimal("0.01")


def _plain(value):
    """A value as JSON stores it: text for money, dates and enums."""
    if isinstance(value, Decimal):
        return str(value.quantize(_CENTS))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):
        return value.value
    return value


def derived_id(kind: str, key) -> uuid.UUID:
    """The stable event id of a fact that is itself an append-only record."""
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}:{key}")


class _Names:
    """Readable names of the ids the facts carry, read once per flush."""

    def __init__(self, session: so.Session):
        self.session = session
        self.part_ids: set[int] = set()
        self.location_ids: set[int] = set()
        self.facility_ids: set[int] = set()
        self.user_ids: set[int] = set()
        self.reservation_ids: set[int] = set()

    def load(self) -> None:
        """One query per kind of name the flush's facts need (none for a kind they do not)."""
        def read(key, *columns, ids: set) -> list:
            return self.session.execute(sa.select(key, *columns).where(key.in_(ids))).all() if ids else []

        parts = read(PartNumber.id, PartNumber.part_number, PartNumber.vendor, ids=self.part_ids)
        self.parts = {id_: number for id_, number, _vendor in parts}
        self.vendors = {id_: vendor for id_, _number, vendor in parts}
        self.locations = dict(read(StockLocation.id, StockLocation.code, ids=self.location_ids))
        self.facilities = dict(read(Facility.id, Facility.code, ids=self.facility_ids))
        self.users = dict(read(User.id, User.username, ids=self.user_ids))
        self.jobs_of_reservations = dict(read(Reservation.id, Reservation.job_id, ids=self.reservation_ids))

    def facility_location(self, facility_id: int | None) -> str | None:
        """The facility's stock location code as the ledger names it ("FAC:TPK"), made or not yet."""
        code = self.facilities.get(facility_id)
        return location_code(StockLocationKind.FACILITY, code) if code else None


class _Feed:
    """The events of one flush, built once the names they need are read."""

    def __init__(self, session: so.Session):
        self.names = _Names(session)
        self.pending: list = []  # (builder, args) in the order the facts were seen

    def add(self, builder, *args) -> None:
        self.pending.append((builder, args))

    def rows(self) -> list[dict]:
        if not self.pending:
            return []
        self.names.load()
        rows = []
        for builder, args in self.pending:
            rows.extend(builder(self.names, *args))
        return rows

    # --- what each fact needs named -------------------------------------------------------

    def line(self, line: ReturnLine, from_status) -> None:
        self.names.part_ids.add(line.part_number_id)
        if line.holder_kind == HolderKind.FACILITY and line.holder_id:
            self.names.facility_ids.add(line.holder_id)
        self.add(_line_events, line, from_status)

    def disposition(self, record: DispositionRecord, line: ReturnLine | None) -> None:
        if line is None:
            line = self.names.session.get(ReturnLine, record.return_line_id)
        self.names.part_ids.add(line.part_number_id)
        self.names.facility_ids.update(x for x in (record.destination_facility_id,) if x)
        self.names.user_ids.update(x for x in (record.decided_by_id,) if x)
        self.add(_disposition_event, record, line)

    def movement(self, movement: StockMovement) -> None:
        self.names.part_ids.add(movement.part_number_id)
        self.names.location_ids.update(x for x in (movement.from_location_id, movement.to_location_id) if x)
        self.add(_movement_event, movement)

    def delivery(self, delivery: Delivery, from_status) -> None:
        self.names.part_ids.add(delivery.part_number_id)
        self.names.location_ids.update((delivery.from_location_id, delivery.to_location_id))
        self.names.reservation_ids.add(delivery.reservation_id)
        self.add(_delivery_event, delivery, from_status)

    def pickup(self, pickup: Pickup, kind: str) -> None:
        self.add(_pickup_event, pickup, kind)

    def processing(self, record: ProcessingRecord) -> None:
        line = self.names.session.get(ReturnLine, record.return_line_id)
        self.names.part_ids.add(line.part_number_id)
        self.names.facility_ids.add(record.facility_id)
        self.add(_processing_events, record, line)


def _event(type_: str, occurred_at: datetime, data: dict, refs: dict, event_id: uuid.UUID | None = None) -> dict:
    return {
        "id": event_id or uuid.uuid4(), "type": type_, "schema_version": feed.CURRENT_VERSION[type_],
        "occurred_at": occurred_at or utcnow(), "recorded_at": utcnow(),
        "data": {k: _plain(v) for k, v in data.items()}, "refs": {k: _plain(v) for k, v in refs.items()},
    }


def _line_refs(names: _Names, line: ReturnLine) -> dict:
    return {"return_line_id": line.id, "part_number": names.parts.get(line.part_number_id), "serial": line.serial,
            "job_id": line.job_id, "site_id": line.origin_site_id}


def _line_events(names: _Names, line: ReturnLine, from_status) -> list[dict]:
    at = line.status_changed_at or line.removed_at
    refs = _line_refs(names, line)
    events = [_event(feed.RETURN_LINE_STATUS_CHANGED, at, {"from_status": from_status, "to_status": line.status},
                     refs)]
    if line.status == ReturnStatus.RECEIVED:
        facility = line.holder_id if line.holder_kind == HolderKind.FACILITY else None
        events.append(_event(
            feed.RETURN_LINE_RECEIVED, line.received_at or at,
            {"received_condition": line.received_condition, "facility": names.facilities.get(facility)},
            {**refs, "location": names.facility_location(facility)}))
    elif line.status == ReturnStatus.WRITTEN_OFF:
        events.append(_event(
            feed.RETURN_LINE_WRITTEN_OFF, at,
            {"written_off_value": line.written_off_value, "from_status": from_status,
             "reason": line.not_returned_reason},
            refs))
    return events


def _disposition_event(names: _Names, record: DispositionRecord, line: ReturnLine) -> list[dict]:
    data = {
        "disposition": record.disposition, "decided_by": "engine" if record.decided_by_id is None else "override",
        "by": names.users.get(record.decided_by_id), "destination_facility": names.facilities.get(
            record.destination_facility_id), "travel_mode": record.travel_mode,
        "expected_value": record.expected_value, "reason": record.reason, "comment": record.comment,
    }
    refs = {**_line_refs(names, line), "disposition_record_id": record.id}
    return [_event(feed.RETURN_LINE_DISPOSITION_SET, record.at, data, refs,
                   derived_id(feed.RETURN_LINE_DISPOSITION_SET, record.id))]


def _movement_event(names: _Names, m: StockMovement) -> list[dict]:
    from_code, to_code = names.locations.get(m.from_location_id), names.locations.get(m.to_location_id)
    data = {"kind": m.kind, "quantity": m.quantity, "from_location": from_code, "from_grade": m.from_grade,
            "to_location": to_code, "to_grade": m.to_grade, "serial": m.serial, "reason": m.reason,
            "left_negative": bool(m.left_negative)}
    refs = {"movement_id": m.id, "part_number": names.parts.get(m.part_number_id), "from_location": from_code,
            "to_location": to_code, "return_line_id": m.return_line_id, "delivery_id": m.delivery_id,
            "reservation_id": m.reservation_id, "processing_record_id": m.processing_record_id}
    return [_event(feed.STOCK_MOVEMENT, m.occurred_at, data, refs, derived_id(feed.STOCK_MOVEMENT, m.id))]


def _delivery_event(names: _Names, d: Delivery, from_status) -> list[dict]:
    data = {"from_status": from_status, "to_status": d.status, "mode": d.mode, "quantity": d.quantity,
            "grade": d.grade, "deadline": d.deadline}
    refs = {"delivery_id": d.id, "reservation_id": d.reservation_id, "part_number": names.parts.get(d.part_number_id),
            "from_location": names.locations.get(d.from_location_id),
            "to_location": names.locations.get(d.to_location_id), "site_id": d.site_id,
            "job_id": names.jobs_of_reservations.get(d.reservation_id)}
    return [_event(feed.DELIVERY_STATUS_CHANGED, utcnow(), data, refs)]


def _pickup_event(names: _Names, p: Pickup, kind: str) -> list[dict]:
    refs = {"pickup_id": p.id, "pickup_reference": pickup_reference(p.id), "site_id": p.site_id}
    if kind == feed.PICKUP_COLLECTED:
        return [_event(kind, p.collected_at, {"collected_at": p.collected_at or utcnow()}, refs)]
    data = {"planned_date": p.planned_date, "window_start": p.window_start, "window_end": p.window_end}
    return [_event(kind, utcnow(), data, refs)]


def _processing_events(names: _Names, r: ProcessingRecord, line: ReturnLine) -> list[dict]:
    facility = names.facilities.get(r.facility_id)
    refs = {**_line_refs(names, line), "processing_record_id": r.id,
            "location": names.facility_location(r.facility_id)}
    data = {"outcome": r.outcome, "recovered_value": r.recovered_value, "credit": r.credit, "hours": r.hours,
            "weight_kg": r.weight_kg, "certificate_number": r.certificate_number, "rma_number": r.rma_number,
            "facility": facility}
    events = [_event(feed.PROCESSING_OUTCOME, r.at, data, refs, derived_id(feed.PROCESSING_OUTCOME, r.id))]
    if r.outcome == ProcessingOutcome.CREDITED:
        events.append(_event(
            feed.VENDOR_CREDIT, r.at,
            {"vendor": names.vendors.get(line.part_number_id), "credit": r.credit, "rma_number": r.rma_number},
            refs, derived_id(feed.VENDOR_CREDIT, r.id)))
    return events


def register_feed_log() -> None:
    """Write the feed in every session's flush; create_app calls it (calling it twice is harmless)."""
    if not sa.event.contains(so.Session, "after_flush", record_facts):
        sa.event.listen(so.Session, "after_flush", record_facts)


def record_facts(session: so.Session, flush_context) -> None:
    out = _Feed(session)
    new_lines = {obj.id: obj for obj in session.new if isinstance(obj, ReturnLine)}
    for obj in session.new:
        if isinstance(obj, ReturnLine):
            out.line(obj, None)
        elif isinstance(obj, DispositionRecord):
            out.disposition(obj, new_lines.get(obj.return_line_id))
        elif isinstance(obj, StockMovement):
            out.movement(obj)
        elif isinstance(obj, Delivery):
            out.delivery(obj, None)
        elif isinstance(obj, ProcessingRecord):
            out.processing(obj)
        elif isinstance(obj, Pickup):
            _pickup(out, obj, is_new=True)
    for obj in session.dirty:
        if isinstance(obj, ReturnLine) and changed(obj, "status"):
            out.line(obj, before(obj, "status"))
        elif isinstance(obj, Delivery) and changed(obj, "status"):
            out.delivery(obj, before(obj, "status"))
        elif isinstance(obj, Pickup):
            _pickup(out, obj, is_new=False)
    _write(session, out)


def _pickup(out: _Feed, pickup: Pickup, is_new: bool) -> None:
    status_changed = is_new or changed(pickup, "status")
    if pickup.status == PickupStatus.COLLECTED and status_changed:
        out.pickup(pickup, feed.PICKUP_COLLECTED)
    elif pickup.status == PickupStatus.SCHEDULED and (status_changed or changed(pickup, *_PICKUP_PLAN_FIELDS)):
        # Scheduled, or moved to another day or window while scheduled: the newest plan is the one to act on.
        out.pickup(pickup, feed.PICKUP_SCHEDULED)


def record_new_return_lines(session: so.Session, lines: list[ReturnLine]) -> None:
    """Write the events of new return lines a push inserts without the ORM, in the same transaction."""
    out = _Feed(session)
    for line in lines:
        out.line(line, None)
    _write(session, out)


def _write(session: so.Session, out: _Feed) -> None:
    rows = out.rows()
    if rows:
        session.execute(sa.insert(FeedEvent.__table__), rows)
        session.info.setdefault(NEW_EVENTS, []).extend(row["id"] for row in rows)
