"""The runs that plan a day in the background: asked for, claimed, finished; at most one per day in flight.

A console or API re-plan asks for a run and shows its progress; the task
``plan_day`` claims the run and plans (server/services/planning/planning.py). A run is
"in flight" while queued or running: its ``in_flight_date`` is the day, and
that column is unique, so a second request for the day joins the first. A
request that arrives while the run is searching marks it to plan the day
again when it ends, so nothing asked for is planned from stale data.
"""

from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from server.database import begin_write
from server.logistics.plan_days import why_not_plannable
from server.models import CourierPlan, PlanRun, User, Vehicle
from server.models.types import utcnow
from server.runner.queue import enqueue
from server.services.errors import Conflict, Invalid, NotFound
from server.services.settings import setting, site_today

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def check_plannable(session: so.Session, day: date, today: date, horizon_days: int, field: str = "date") -> None:
    """Refuse a day that cannot be planned (past, beyond the horizon) or a fleet with no van."""
    reason = why_not_plannable(day, today, horizon_days)
    if reason is not None:
        raise Invalid(reason, {field: [reason]})
    if session.scalar(sa.select(sa.func.count()).select_from(Vehicle).where(Vehicle.active)) == 0:
        raise Invalid("There are no active courier vehicles to plan with.", {"vehicles": ["Add a vehicle."]})


def request_plan(session: so.Session, day: date, by: User | None, seconds: float | None = None, *,
                 field: str = "date") -> PlanRun:
    """A dispatcher asks for `day` to be (re-)planned in the background; owns the transaction."""
    check_plannable(session, day, site_today(), setting("PLAN_HORIZON_DAYS"), field)
    begin_write(session)
    run = queue_plan(session, day, by, seconds)
    session.commit()
    return run


def queue_plan(session: so.Session, day: date, by: User | None = None, seconds: float | None = None) -> PlanRun:
    """Ask for `day` to be planned in the background; joins the caller's transaction.

    A run already in flight for the day is the answer; if it is already
    searching, it plans the day again once it has written its plan.
    """
    run = in_flight(session, day)
    if run is None:
        try:
            with session.begin_nested():
                run = PlanRun(plan_date=day, in_flight_date=day, status=QUEUED, seconds=seconds,
                              requested_by_id=by.id if by else None, requested_at=utcnow())
                session.add(run)
        except sa.exc.IntegrityError:
            run = in_flight(session, day)  # another request for the day committed first
        else:
            enqueue(session, "plan_day", {"day": day.isoformat(), "run_id": run.id, "seconds": seconds,
                                          "by_id": run.requested_by_id})
            return run
    if run.status == RUNNING:
        run.again = True
    return run


def in_flight(session: so.Session, day: date) -> PlanRun | None:
    return session.scalar(sa.select(PlanRun).where(PlanRun.in_flight_date == day))


def latest_run(session: so.Session, day: date) -> PlanRun | None:
    """The day's run in flight, or else its last one."""
    return session.scalar(sa.select(PlanRun).where(PlanRun.plan_date == day)
                          .order_by(PlanRun.in_flight_date.is_(None), PlanRun.id.desc()).limit(1))


def get_run(session: so.Session, run_id: int) -> PlanRun:
    run = session.get(PlanRun, run_id)
    if run is None:
        raise NotFound(f"No planning run {run_id}.")
    return run


def claim(session: so.Session, day: date, by: User | None, seconds: float | None, run_id: int | None, *,
          lease_s: float) -> int | None:
    """Mark a run as searching, creating one when planning was not asked through a run; owns the transaction.

    Returns the run's id, or None when `run_id` is no longer this worker's to run
    (done, or another run of the day took over). Planning directly while another
    run of the day is in flight is refused. A run still "running" past the task
    lease lost its worker: it is taken over.
    """
    begin_write(session)
    other = in_flight(session, day)
    if other is not None and other.status == RUNNING and other.started_at < utcnow() - timedelta(seconds=lease_s):
        other.status, other.in_flight_date, other.message = FAILED, None, "Its worker stopped; planned again."
        session.flush()
        other = None
    if run_id is None:
        if other is not None:
            session.rollback()
            raise Conflict(f"{day.isoformat()} is being planned already; wait for that plan.")
        run = PlanRun(plan_date=day, seconds=seconds, requested_by_id=by.id if by else None, requested_at=utcnow())
        session.add(run)
    else:
        run = session.get(PlanRun, run_id)
        if run is None or run.status == DONE or (other is not None and other.id != run.id):
            session.rollback()
            return None
    run.status, run.in_flight_date, run.started_at, run.again = RUNNING, day, utcnow(), False
    session.commit()
    return run.id


def finish(session: so.Session, run_id: int, plan: CourierPlan, message: str | None) -> bool:
    """Record the plan written; joins the caller's transaction (the plan's own).

    Returns True when the run was asked again while it searched: it stays
    running and plans the day once more.
    """
    run = session.get(PlanRun, run_id, with_for_update=True)
    run.plan, run.message = plan, message
    if run.again:
        run.again = False
        return True
    run.status, run.in_flight_date, run.finished_at = DONE, None, utcnow()
    return False


def fail(session: so.Session, run_id: int, message: str) -> None:
    """The run could not plan its day; owns the transaction."""
    session.rollback()
    begin_write(session)
    run = session.get(PlanRun, run_id)
    run.status, run.in_flight_date, run.finished_at, run.message = FAILED, None, utcnow(), message
    session.commit()

