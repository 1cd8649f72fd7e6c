"""Push: store a batch of field events exactly once and apply the accepted ones.

One transaction per batch. The device row is locked first, so two pushes from
one device take turns; an event id that another device or process inserts at
the same moment makes the insert fail on the primary key, and the batch is
run again, when it finds that event and answers ``duplicate``.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from common.enums import EventOutcome
from common.protocol import PROTOCOL_VERSION
from common.representable import storable
from common.validation import validate_event
from server.database import begin_write
from server.models import Device, FieldEvent, User
from server.models.types import utcnow
from server.runner.queue import enqueue
from server.services.sync.field_facts import FieldFacts
from server.sync.clock import clock_flags, device_clock_offset_s
from server.sync.sequence import SeqTracker

ATTEMPTS = 3
ENGINE_TASK = "decide_return_lines"


@dataclass
class PushResult:
    results: list[dict]
    highest_contiguous_seq: int
    missing_seqs: list[int]
    server_time: datetime
    new_return_line_ids: list[uuid.UUID] = field(default_factory=list)


def ingest_events(
    session: so.Session, user: User, device_pk: int, sent_at: datetime | None, events: list[dict],
    protocol_version: int = PROTOCOL_VERSION,
) -> PushResult:
    """Store and apply `events` (each already has a valid ``id`` and ``seq``), sent in `protocol_version`."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _ingest_once(session, user, device_pk, sent_at, events, protocol_version)
        except sa.exc.IntegrityError:
            session.rollback()
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _ingest_once(session, user, device_pk, sent_at, events, protocol_version) -> PushResult:
    begin_write(session)
    now = utcnow()
    device = session.execute(sa.select(Device).where(Device.id == device_pk).with_for_update()).scalar_one()
    offset_s = device_clock_offset_s(sent_at, now)

    ids = [e["id"] for e in events]
    known = {ev.id: ev for ev in session.scalars(sa.select(FieldEvent).where(FieldEvent.id.in_(ids)))}
    seq_owner = dict(
        session.execute(
            sa.select(FieldEvent.seq, FieldEvent.id).where(
                FieldEvent.device_id == device.id, FieldEvent.seq.in_([e["seq"] for e in events])
            )
        ).all()
    )

    results: list[dict | None] = [None] * len(events)
    fresh: list[tuple[int, dict, dict | None, dict]] = []  # (index, raw, valid event, errors)
    first_in_batch: dict[uuid.UUID, int] = {}
    repeats: list[tuple[int, int]] = []  # (index, index of the same event earlier in the batch)
    for i, raw in enumerate(events):
        event_id, seq = raw["id"], raw["seq"]
        if event_id in known:
            results[i] = _duplicate_of(known[event_id])
        elif event_id in first_in_batch:
            repeats.append((i, first_in_batch[event_id]))
        elif seq_owner.get(seq, event_id) != event_id:
            results[i] = _rejected(event_id, seq, {"seq": [f"seq {seq} was already used by event {seq_owner[seq]}."]})
        else:
            first_in_batch[event_id] = i
            seq_owner[seq] = event_id
            valid, errors = validate_event(raw["body"], protocol_version)
            fresh.append((i, raw, valid, errors))

    facts = FieldFacts(session, user, [v for _, _, v, _ in fresh if v is not None])
    tracker = SeqTracker(device.highest_contiguous_seq, device.highest_seq_seen, [list(r) for r in device.missing_seq_ranges])
    receipts: list[dict] = []
    with session.no_autoflush:
        for i, raw, valid, errors in sorted(fresh, key=lambda f: f[1]["seq"]):
            if valid is not None:
                errors = facts.check(valid)
            # A rejected event may hold what the database cannot: its receipt keeps a storable copy.
            body = raw["body"] if valid is not None else storable(raw["body"])
            receipt = {
                "id": raw["id"],
                "device_id": device.id,
                "user_id": user.id,
                "seq": raw["seq"],
                "type": str(body.get("type"))[:40],
                "occurred_at": valid["occurred_at"] if valid else None,
                "job_id": valid["job_id"] if valid else None,
                "body": body,
                "received_at": now,
                "device_clock_offset_s": offset_s,
                "flags": [],
                "return_line_id": None,
            }
            if errors:
                receipt["status"], receipt["errors"] = EventOutcome.REJECTED, errors
                results[i] = _rejected(raw["id"], raw["seq"], errors)
            else:
                applied = facts.apply(valid)
                receipt["status"] = EventOutcome.ACCEPTED
                receipt["flags"] = clock_flags(valid["occurred_at"], now, offset_s) + applied.flags
                receipt["return_line_id"] = applied.return_line_id
                results[i] = {"id": raw["id"], "seq": raw["seq"], "status": EventOutcome.ACCEPTED,
                              "return_line_id": applied.return_line_id}
            receipts.append(receipt)
            tracker.receive(raw["seq"])

    for i, first in repeats:
        results[i] = {**results[first], "seq": events[i]["seq"], "status": EventOutcome.DUPLICATE,
                      "original_status": results[first]["status"]}

    if facts.new_line_ids:
        enqueue(session, ENGINE_TASK, {"return_line_ids": [str(x) for x in facts.new_line_ids]})
    _record_sequence(device, tracker, now)
    device.last_seen_at = now
    # New lines, custody entries and receipts go in with multi-row INSERTs rather than one ORM
    # object each, the largest cost of a push (docs/BENCHMARKS.md, "Sync ingest").
    facts.log_new_lines()
    session.flush()
    facts.write_new_rows()
    # Rejected receipts have one more column (errors; SQL NULL for the others, not JSON null).
    for group in ([r for r in receipts if "errors" not in r], [r for r in receipts if "errors" in r]):
        if group:
            session.execute(sa.insert(FieldEvent.__table__), group)
    session.commit()
    return PushResult(
        results=results,
        highest_contiguous_seq=tracker.highest_contiguous,
        missing_seqs=tracker.missing_seqs(),
        server_time=now,
        new_return_line_ids=facts.new_line_ids,
    )


def _record_sequence(device: Device, tracker: SeqTracker, now: datetime) -> None:
    had_gap = bool(device.missing_seq_ranges)
    device.highest_contiguous_seq = tracker.highest_contiguous
    device.highest_seq_seen = tracker.highest_seen
    device.missing_seq_ranges = tracker.missing
    if not tracker.missing:
        device.gap_since = None
    elif not had_gap:
        device.gap_since = now


def _duplicate_of(original: FieldEvent) -> dict:
    result = {"id": original.id, "seq": original.seq, "status": EventOutcome.DUPLICATE, "original_status": original.status}
    if original.errors:
        result["errors"] = original.errors
    if original.return_line_id:
        result["return_line_id"] = original.return_line_id
    return result


def _rejected(event_id, seq, errors: dict) -> dict:
    return {"id": event_id, "seq": seq, "status": EventOutcome.REJECTED, "errors": errors}
