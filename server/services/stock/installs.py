"""An install takes one unit out of the stock it was served from: the reservation's, or the engineer's van."""

import uuid

import sqlalchemy.orm as so

from common.enums import MovementKind, ReservationStatus, StockLocationKind
from common.stock import install_grade
from server.models import Job, PartNumber, Reservation, StockMovement
from server.services.stock.ledger import location_for, record_movement

def record_install(session: so.Session, event: dict, job: Job | None, part: PartNumber, payload: dict,
                   *, engineer_id: int) -> StockMovement | None:
    """The INSTALL movement of an accepted `part_installed` event; runs in the caller's (the push's) transaction.

    With a `reservation_id` of this job and part the unit leaves the
    reservation's location and grade and the reservation is consumed; without
    one it leaves the van of `engineer_id` (who logged it) at the named `grade` (new when absent).
    A replayed event moves nothing (None). A balance it takes below zero is
    stored and flagged, never refused: the unit is installed whatever the
    ledger believed. An install held for review (its serial recorded
    elsewhere) takes its unit all the same: the review is about the serial's
    records, not about whether a unit left the van.
    """
    reservation = _reservation(session, payload.get("reservation_id"), job, part)
    if reservation is not None:
        source = (reservation.location, reservation.grade)
        reason = f"Reservation {reservation.id} for job {reservation.job_id}"
    else:
        van = location_for(session, StockLocationKind.VAN, engineer_id)
        source = (van, install_grade(payload))
        reason = None
    movement = record_movement(
        session, MovementKind.INSTALL, str(event["id"]), part_number_id=part.id, quantity=1, source=source,
        occurred_at=event["occurred_at"], serial=payload.get("serial"), event_id=uuid.UUID(str(event["id"])),
        reservation_id=reservation.id if reservation else None, reason=reason,
        recorded_by_id=engineer_id,
    )
    if movement is not None and reservation is not None:
        reservation.status = ReservationStatus.CONSUMED
    return movement


def _reservation(session: so.Session, reservation_id, job: Job | None, part: PartNumber) -> Reservation | None:
    """The held reservation the install names, if it is this job's and this part's and has a place."""
    if reservation_id is None or job is None:
        return None
    reservation = session.get(Reservation, int(reservation_id))
    if (reservation is None or reservation.job_id != job.id or reservation.part_number_id != part.id
            or reservation.status != ReservationStatus.HELD or reservation.location_id is None):
        return None
    return reservation
