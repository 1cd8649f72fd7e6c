"""What the server stored from phones, read straight from its database, and the rules it must keep.

``half_written(session)`` lists what a push left incomplete: an accepted
removal without its return line, a return line without its event or without a
custody entry, a hand-over without its custody entry. ``device_sequence``
is what the server knows of a device's seq numbers (the ``missing_seqs`` of
``GET /api/v1/devices``).
"""

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import EventOutcome, EventType
from server.models import CustodyEntry, Device, FieldEvent, ReturnLine
from server.sync.sequence import SeqTracker

REMOVALS = (EventType.PART_REMOVED, EventType.EQUIPMENT_COLLECTED)


@dataclass(frozen=True)
class DeviceSequence:
    highest_contiguous_seq: int
    highest_seq_seen: int
    missing_seqs: list[int]


def count_by_id(session: so.Session, ids: list[str]) -> dict[str, int]:
    """How many event rows the server holds for each of `ids` (0 when lost)."""
    session.rollback()
    counts = {i: 0 for i in ids}
    wanted = [uuid.UUID(i) for i in ids]
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            sa.select(FieldEvent.id, sa.func.count()).where(FieldEvent.id.in_(wanted[start:start + 500]))
            .group_by(FieldEvent.id)
        )
        for event_id, count in rows:
            counts[str(event_id)] = count
    return counts


def device_sequence(session: so.Session, device_uid: str) -> DeviceSequence:
    session.rollback()
    device = session.scalar(sa.select(Device).where(Device.device_uid == device_uid))
    tracker = SeqTracker(device.highest_contiguous_seq, device.highest_seq_seen, device.missing_seq_ranges)
    return DeviceSequence(device.highest_contiguous_seq, device.highest_seq_seen, tracker.missing_seqs())


def half_written(session: so.Session) -> list[str]:
    """Every trace of a push applied in part; empty when each stored event has all its effects and no more."""
    session.rollback()
    problems = []
    removal_ids = set(session.scalars(sa.select(FieldEvent.id).where(
        FieldEvent.status == EventOutcome.ACCEPTED, FieldEvent.type.in_([str(t) for t in REMOVALS]))))
    line_ids = set(session.scalars(sa.select(ReturnLine.id)))
    with_custody = set(session.scalars(sa.select(CustodyEntry.return_line_id).distinct()))
    if removal_ids - line_ids:
        problems.append(f"{len(removal_ids - line_ids)} accepted removals without their return line")
    if line_ids - removal_ids:
        problems.append(f"{len(line_ids - removal_ids)} return lines without an accepted removal event")
    if line_ids - with_custody:
        problems.append(f"{len(line_ids - with_custody)} return lines without a custody entry")
    handovers = set(session.scalars(sa.select(FieldEvent.id).where(
        FieldEvent.status == EventOutcome.ACCEPTED, FieldEvent.type == str(EventType.RETURN_HANDED_OVER))))
    recorded = set(session.scalars(sa.select(CustodyEntry.event_id).where(CustodyEntry.event_id.is_not(None))))
    if handovers - recorded:
        problems.append(f"{len(handovers - recorded)} accepted hand-overs without their custody entry")
    return problems
