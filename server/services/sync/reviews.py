"""Resolving the review queue: a dispatcher decides what a held field event changes.

Field events the records contradict are held by the push (server/services/sync/field_facts.py),
which writes their review items. Every kind of item is resolved through `resolve_review`,
with one of the actions server/logistics/reviews.py allows for its kind.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import EventType, ItemStatus, JobStatus, ReturnStatus, ReviewAction, ReviewKind, ReviewStatus
from common.way_back import way_back_problem
from server.database import begin_write
from server.logistics.reviews import check_action
from server.logistics.states import CLOSED_RETURN_STATUSES
from server.models import CustodyEntry, ReturnLine, ReviewItem, User
from server.models.types import utcnow
from server.runner.queue import enqueue
from server.services.errors import Conflict, Invalid, NotFound
from server.services.sync.field_facts import complete_job, install_item
from server.services.sync.ingest import ENGINE_TASK
from server.services.sync.leaks import control_leaks

MAX_COMMENT_LENGTH = 2000


@dataclass(frozen=True)
class Resolution:
    action: ReviewAction
    comment: str


def resolve_review(session: so.Session, review_id: int, resolution: Resolution, by: User) -> ReviewItem:
    """Apply the dispatcher's decision and close the item. Owns the transaction: all of it or nothing."""
    begin_write(session)
    review = session.scalar(sa.select(ReviewItem).where(ReviewItem.id == review_id).with_for_update()
                            .execution_options(populate_existing=True))
    if review is None:
        raise NotFound(f"No review item {review_id}.")
    if review.status == ReviewStatus.RESOLVED:
        raise Conflict(f"Review item {review.id} was already resolved ({review.resolution.value}) by "
                       f"{review.resolved_by.display_name} on {review.resolved_at:%d %b %Y %H:%M} UTC.")
    comment = (resolution.comment or "").strip()
    if not comment:
        raise Invalid("Say why you resolve it so.", {"comment": ["A comment is required."]})
    if len(comment) > MAX_COMMENT_LENGTH:
        raise Invalid("The comment is too long.", {"comment": [f"At most {MAX_COMMENT_LENGTH} characters."]})
    try:
        check_action(review.kind, resolution.action)
    except ValueError as err:
        raise Invalid(str(err), {"action": [str(err)]}) from err
    now = utcnow()
    _EFFECTS[(review.kind, resolution.action)](session, review, by)
    review.status = ReviewStatus.RESOLVED
    review.resolution, review.resolved_by_id, review.resolved_at = resolution.action, by.id, now
    review.resolution_comment = comment
    session.commit()
    return review


def _keep_records(session: so.Session, review: ReviewItem, by: User) -> None:
    """Dismissed: the event stays a fact and changes nothing."""


def _other_open_line(session: so.Session, review: ReviewItem, moving: EventType) -> None:
    """Refuse to move a serial that is on its way back on another line."""
    item = review.serialised_item
    other = session.scalar(sa.select(ReturnLine).where(
        ReturnLine.serialised_item_id == item.id, ReturnLine.status.not_in(CLOSED_RETURN_STATUSES),
        ReturnLine.id != review.return_line_id,
    ))
    if other is not None:
        logged = f"on another return line, {other.id}, removed on {other.removed_at:%d %b %Y}"
        raise Conflict(way_back_problem(moving, item.serial, logged))


def _move_removed_serial(session: so.Session, review: ReviewItem, by: User) -> None:
    line, item = review.return_line, review.serialised_item
    if line.status in CLOSED_RETURN_STATUSES:
        raise Conflict(f"The return line is {line.status.value}; its serial can no longer move.")
    _other_open_line(session, review, EventType.PART_REMOVED)
    # The records were wrong: the item was installed where it was removed, and is now where its line is.
    line.serialised_item = item
    item.status = ItemStatus.REMOVED
    item.site_id = line.origin_site_id
    item.location_kind, item.location_id = line.holder_kind, line.holder_id
    place = line.custody[-1].place if line.custody else line.origin_site.name
    session.add(CustodyEntry(return_line=line, serialised_item=item, holder_kind=line.holder_kind,
                             holder_id=line.holder_id, place=place, at=utcnow(), recorded_by_id=by.id,
                             note=f"Serial {item.serial} confirmed on this line by {by.display_name}"))
    if line.status == ReturnStatus.AWAITING_DISPOSITION:
        enqueue(session, ENGINE_TASK, {"return_line_ids": [str(line.id)]})


def _void_line(session: so.Session, review: ReviewItem, by: User) -> None:
    line = review.return_line
    if line.status != ReturnStatus.WRITTEN_OFF:
        line.move_to(ReturnStatus.WRITTEN_OFF, utcnow())


def _write_off_unconfirmed(session: so.Session, review: ReviewItem, by: User) -> None:
    """The replaced part will not come back: its unconfirmed line is written off with the value lost."""
    line = review.return_line
    if line is None or line.status != ReturnStatus.UNCONFIRMED:
        raise Conflict("There is no unconfirmed line to write off for this install.")
    line.written_off_value = line.expected_value
    line.move_to(ReturnStatus.WRITTEN_OFF, utcnow())


def _install_serial(session: so.Session, review: ReviewItem, by: User) -> None:
    _other_open_line(session, review, EventType.PART_INSTALLED)
    install_item(review.serialised_item, review.job.site_id, review.event.occurred_at)


def _complete_job(session: so.Session, review: ReviewItem, by: User) -> None:
    job = review.job
    if job.status != JobStatus.OPEN:
        raise Conflict(f"Job {job.reference} is {job.status.value}; it cannot be completed again.")
    payload = review.event.body.get("payload") or {}
    complete_job(session, job, review.event.occurred_at, payload)
    control_leaks(session, job, session.get(User, review.engineer_id), review.event.occurred_at,
                  payload.get("not_returned", ()))


_EFFECTS: dict[tuple[ReviewKind, ReviewAction], Callable[[so.Session, ReviewItem, User], None]] = {
    (ReviewKind.REMOVAL_ELSEWHERE, ReviewAction.MOVE_SERIAL): _move_removed_serial,
    (ReviewKind.REMOVAL_ELSEWHERE, ReviewAction.VOID_LINE): _void_line,
    (ReviewKind.INSTALL_ELSEWHERE, ReviewAction.MOVE_SERIAL): _install_serial,
    (ReviewKind.INSTALL_ELSEWHERE, ReviewAction.DISMISS): _keep_records,
    (ReviewKind.COMPLETION_AFTER_REASSIGNMENT, ReviewAction.COMPLETE_JOB): _complete_job,
    (ReviewKind.COMPLETION_AFTER_REASSIGNMENT, ReviewAction.DISMISS): _keep_records,
    (ReviewKind.INSTALL_WITHOUT_REMOVAL, ReviewAction.DISMISS): _keep_records,
    (ReviewKind.INSTALL_WITHOUT_REMOVAL, ReviewAction.VOID_LINE): _write_off_unconfirmed,
}
