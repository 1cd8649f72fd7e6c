"""Leak control at a job's completion: what the job expected back and nobody logged becomes visible.

Each unit of a `replace` or `collect` expected part that no `part_removed` or
`equipment_collected` on the job accounts for becomes one return line in status
`unconfirmed`, held by the engineer, its value at risk, with the reason the
engineer gave (`job_completed.not_returned`). An install of a swapped part with
no removal to match is flagged for a dispatcher. The pure rule, which the phone
applies too, is common/leaks.py.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import EventOutcome, EventType, HolderKind, PartCondition, ReturnStatus, ReviewKind, ReviewStatus
from common.way_back import REMOVALS
from common.leaks import installs_without_removal, missing_units, reasons_by_unit
from server.models import FieldEvent, Job, PartNumber, ReturnLine, ReviewItem, User
from server.models.types import utcnow


def control_leaks(session: so.Session, job: Job, engineer: User, at: datetime, not_returned: Iterable[Mapping] = (),
                  batch_lines: Iterable[ReturnLine] = (), batch_installs: Iterable[tuple] = ()) -> list[ReturnLine]:
    """Open the unconfirmed lines of `job`, completed by `engineer` at `at`; flag installs without removal.

    Runs in the caller's transaction. `batch_lines` and `batch_installs` ((event id, payload) pairs) are
    what the caller's batch logged and has not flushed yet. Returns the new lines; a unit whose line
    already exists (its id is derived from the job and the unit) is not opened again.
    """
    lines = {line.id: line for line in session.scalars(sa.select(ReturnLine).where(ReturnLine.job_id == job.id))}
    lines.update({line.id: line for line in batch_lines if line.job_id == job.id})
    parts = {p.id: p for p in session.scalars(sa.select(PartNumber).where(PartNumber.part_number.in_(
        {p["part_number"] for p in job.expected_parts})))}
    by_number = {p.part_number: p for p in parts.values()}
    logged: Counter = Counter()
    for line in lines.values():
        if line.origin in REMOVALS and line.part_number_id in parts:
            logged[parts[line.part_number_id].part_number] += line.quantity

    missing = missing_units(job.expected_parts, logged)
    reasons = reasons_by_unit(missing, not_returned)
    opened = []
    for unit in missing:
        line_id = unit.line_id(job.id)
        if line_id in lines:
            continue
        part = by_number[unit.part_number]
        line = ReturnLine(
            id=line_id, part_number_id=part.id, quantity=1, origin=EventType.JOB_COMPLETED,
            condition=PartCondition.UNKNOWN, origin_site_id=job.site_id, job_id=job.id, removed_by_id=engineer.id,
            removed_at=at, status=ReturnStatus.UNCONFIRMED, status_changed_at=at, holder_kind=HolderKind.ENGINEER,
            holder_id=engineer.id, expected_value=part.residual_value, not_returned_reason=reasons.get(unit),
        )
        session.add(line)
        lines[line_id] = line
        opened.append(line)
    _flag_installs_without_removal(session, job, engineer, logged, lines.values(), batch_installs)
    return opened


def _flag_installs_without_removal(session, job, engineer, logged, lines, batch_installs) -> None:
    installs = [(event_id, body.get("payload") or {}) for event_id, body in session.execute(
        sa.select(FieldEvent.id, FieldEvent.body).where(
            FieldEvent.job_id == job.id, FieldEvent.type == EventType.PART_INSTALLED,
            FieldEvent.status == EventOutcome.ACCEPTED,
        ).order_by(FieldEvent.seq))]
    installs += list(batch_installs)
    installed = Counter(payload.get("part_number") for _, payload in installs)
    unconfirmed = {}
    for line in lines:
        if line.status == ReturnStatus.UNCONFIRMED:
            unconfirmed.setdefault(line.part_number_id, line.id)
    parts = {p.part_number: p.id for p in session.scalars(
        sa.select(PartNumber).where(PartNumber.part_number.in_(list(installed))))}
    for part_number, excess in installs_without_removal(job.expected_parts, installed, logged).items():
        unmatched = [(event_id, p) for event_id, p in installs if p.get("part_number") == part_number][-excess:]
        for event_id, payload in unmatched:
            what = f"{part_number} {payload['serial']}" if payload.get("serial") else part_number
            session.add(ReviewItem(
                kind=ReviewKind.INSTALL_WITHOUT_REMOVAL, status=ReviewStatus.OPEN, event_id=event_id,
                engineer_id=engineer.id, job_id=job.id, return_line_id=unconfirmed.get(parts.get(part_number)),
                reason=(f"{what} was installed on job {job.reference}, a swap, and no removal of a {part_number} "
                        "was logged: the part it replaced is unaccounted for.")[:500],
                created_at=utcnow(),
            ))
