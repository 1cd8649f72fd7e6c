"""An install takes one unit out of the stock it was served from: the reservation's, or the engineer's van."""

import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import MovementKind, ReservationStatus, StockLocationKind
from common.stock import install_grade
from server.models import Job, PartNumber, Reservation, StockMovement
from server.services.stock.ledger import location_for, record_movement


def record_install(session: so.Session, event: dict, job: Job | None, part: PartNumber, payload: dict,
                   *, engineer_id: int) -> StockMovement | None:
    """The INSTALL movement of an accepted `part_installed` event; runs in the caller's (the push's) transaction.

    With a held reservation of this job and part (the one it names, or else
    the job's own) the unit leaves the reservation's location and grade and
    the reservation is consumed; without one it leaves the van of
    `engineer_id` (who logged it) at the named `grade` (new when absent).
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
    """The held reservation the install served: the one it names, or else the job's own for this part.

    A phone that names none (protocol version 1, or an entry made without the
    reservation at hand) still consumes the unit set aside for its job, which
    may wait at the site or have been collected from the depot.
    """
    if job is None:
        return None
    if reservation_id is not None:
        reservation = session.get(Reservation, int(reservation_id))
        if reservation is not None and reservation.job_id == job.id and _serves(reservation, part):
            return reservation
    return session.scalars(sa.select(Reservation).where(
        Reservation.job_id == job.id, Reservation.part_number_id == part.id,
        Reservation.status == ReservationStatus.HELD, Reservation.location_id.is_not(None),
    ).order_by(Reservation.expected_index, Reservation.id).limit(1)).one_or_none()


def _serves(reservation: Reservation, part: PartNumber) -> bool:
    return (reservation.part_number_id == part.id and reservation.status == ReservationStatus.HELD
            and reservation.location_id is not None)
