"""Work orders: create, assign, reassign, cancel, archive — each reaches the phones by pull.

Assigning a job reserves its replacement units (server/services/stock/reservations.py);
reassigning or moving it reserves them again, cancelling releases them.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import JobStatus, Role
from server.database import begin_write
from server.models import Job, JobAssignment, PartNumber, Site, User
from server.logistics.source_records import OWNED_FIELDS, owned_field_errors
from server.models.types import utcnow
from server.services.errors import Invalid, NotFound
from server.services.stock import reservations


#: How far back a dispatcher may place a window (a job logged after the visit) and how far ahead.
WINDOW_PAST_HOURS = 24
WINDOW_AHEAD_DAYS = 366


def window_errors(start: datetime | None, end: datetime | None, now: datetime) -> dict[str, list[str]]:
    """What is wrong, by field, with a job window a dispatcher asks for (either end may be missing).

    The window must lie from a day ago to a year ahead and end after it starts. The demo and the
    simulation schedule history directly through the service, which checks only the order.
    """
    errors: dict[str, list[str]] = {}
    for name, moment in (("window_start", start), ("window_end", end)):
        if moment is None:
            continue
        if moment < now - timedelta(hours=WINDOW_PAST_HOURS):
            errors[name] = [f"That is in the past: choose a time after {WINDOW_PAST_HOURS} hours ago."]
        elif moment > now + timedelta(days=WINDOW_AHEAD_DAYS):
            errors[name] = ["That is too far ahead: choose a time within a year."]
    if start is not None and end is not None and end <= start and "window_start" not in errors:
        errors["window_end"] = ["The window must end after it starts."]
    return errors


@dataclass(frozen=True)
class JobDraft:
    site_id: int
    summary: str
    window_start: datetime
    window_end: datetime
    engineer_id: int | None = None
    expected_parts: list[dict] = field(default_factory=list)
    reference: str | None = None
    #: A job another system owns: its source and its id there (server/services/integration/records.py).
    source: str | None = None
    external_id: str | None = None


def _check_engineer(session: so.Session, engineer_id: int | None) -> None:
    if engineer_id is None:
        return
    user = session.get(User, engineer_id)
    if user is None or user.role != Role.ENGINEER or not user.active:
        raise Invalid("No such engineer.", {"engineer_id": [f"User {engineer_id} is not an active engineer."]})


def _check_window(start: datetime, end: datetime) -> None:
    for name, moment in (("window_start", start), ("window_end", end)):
        try:
            moment.astimezone(timezone.utc)
        except OverflowError:
            raise Invalid("The window is out of reach.", {name: ["Not a time the calendar holds in UTC."]}) from None
    if end <= start:
        raise Invalid("The window ends before it starts.", {"window_end": ["Must be after window_start."]})


def _check_expected_parts(session: so.Session, expected_parts: list[dict]) -> None:
    """Every expected part must be in the catalogue: the phone offers them to be logged."""
    named = {p["part_number"] for p in expected_parts}
    known = set(session.scalars(sa.select(PartNumber.part_number).where(PartNumber.part_number.in_(named))))
    errors = {i: {"part_number": [f"Unknown part number {p['part_number']!r}."]}
              for i, p in enumerate(expected_parts) if p["part_number"] not in known}
    if errors:
        raise Invalid("Some expected parts are not in the catalogue.", {"expected_parts": errors})


def create_job(session: so.Session, draft: JobDraft, by: User) -> Job:
    """Create a job and assign it; owns the transaction."""
    begin_write(session)
    job = add_job(session, draft, by)
    session.commit()
    return job


def add_job(session: so.Session, draft: JobDraft, by: User) -> Job:
    """Create a job and assign it in the caller's transaction (which commits)."""
    if session.get(Site, draft.site_id) is None:
        raise Invalid("No such site.", {"site_id": [f"No site {draft.site_id}."]})
    _check_engineer(session, draft.engineer_id)
    _check_window(draft.window_start, draft.window_end)
    _check_expected_parts(session, draft.expected_parts)
    reference = draft.reference or f"J-{draft.window_start:%y%m%d}-{secrets.token_hex(3).upper()}"
    if session.scalar(sa.select(Job.id).where(Job.reference == reference)) is not None:
        raise Invalid("That reference is taken.", {"reference": [f"A job {reference} already exists."]})
    job = Job(
        reference=reference,
        site_id=draft.site_id,
        summary=draft.summary,
        window_start=draft.window_start,
        window_end=draft.window_end,
        expected_parts=draft.expected_parts,
        status=JobStatus.OPEN,
        source=draft.source,
        external_id=draft.external_id,
    )
    session.add(job)
    _assign(session, job, draft.engineer_id, by)
    reservations.reserve_for_job(session, job.id)
    return job


def update_job(session: so.Session, job_id: int, updates: dict, by: User) -> Job:
    """Apply a dispatcher's changes: engineer, window, summary, expected parts, status; owns the transaction.

    A job another system owns refuses a change of the fields its source owns (422 naming them).
    """
    begin_write(session)
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    change_job(session, job, updates, by)
    session.commit()
    return job


def change_job(session: so.Session, job: Job, updates: dict, by: User, as_source: str | None = None) -> Job:
    """Apply changes to a job in the caller's transaction (which commits).

    `as_source`: the change comes from the job's own source, which may also move it to another
    site or give it another reference; anyone else may not change what the source owns.
    """
    if as_source is None or as_source != job.source:
        current = {name: getattr(job, name) for name in OWNED_FIELDS["job"]}
        errors = owned_field_errors("job", job.source, updates, current)
        if errors:
            raise Invalid(f"This job is owned by {job.source}.", errors)
    if "expected_parts" in updates:
        _check_expected_parts(session, updates["expected_parts"])
    # Another engineer or another time needs another source and delivery: reserve afresh.
    if any(name in updates and updates[name] != getattr(job, name)
           for name in ("engineer_id", "window_start", "window_end", "site_id")):
        reservations.release_for_job(session, job.id)
    if as_source is not None:
        if "site_id" in updates and session.get(Site, updates["site_id"]) is None:
            raise Invalid("No such site.", {"site_id": [f"No site {updates['site_id']}."]})
        for name in ("site_id", "reference"):
            if name in updates:
                setattr(job, name, updates[name])
    for name in ("summary", "expected_parts", "window_start", "window_end"):
        if name in updates:
            setattr(job, name, updates[name])
    _check_window(job.window_start, job.window_end)
    if "status" in updates and updates["status"] != job.status:
        job.move_to(updates["status"])
    if "engineer_id" in updates and updates["engineer_id"] != job.engineer_id:
        _check_engineer(session, updates["engineer_id"])
        _assign(session, job, updates["engineer_id"], by)
    reservations.reserve_for_job(session, job.id)
    return job


def _assign(session: so.Session, job: Job, engineer_id: int | None, by: User) -> None:
    now = utcnow()
    if job.engineer_id is not None:
        session.execute(
            sa.update(JobAssignment)
            .where(JobAssignment.job_id == job.id, JobAssignment.unassigned_at.is_(None))
            .values(unassigned_at=now)
        )
    job.engineer_id = engineer_id
    session.flush()
    if engineer_id is not None:
        session.add(JobAssignment(job_id=job.id, engineer_id=engineer_id, assigned_at=now, assigned_by_id=by.id))


def archive_completed_jobs(session: so.Session, completed_days: int, now: datetime | None = None) -> int:
    """Take jobs completed more than `completed_days` ago off the phones. A task: does not commit."""
    now = now or utcnow()
    jobs = session.scalars(
        sa.select(Job).where(
            Job.status == JobStatus.COMPLETED,
            Job.archived_at.is_(None),
            Job.completed_at < now - timedelta(days=completed_days),
        )
    ).all()
    for job in jobs:
        job.archived_at = now
    return len(jobs)
