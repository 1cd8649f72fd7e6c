"""Background task functions and their schedule, whichever runner executes them.

A task is a function ``fn(session, **args)`` that does its work in the
session it is given and never commits: the runner commits its effects
together with the task's own "done" mark, so a task takes effect once.

A task that acts outside the database (sending mail) cannot share a
transaction with its effect; it is registered with ``transactional=False``,
commits its own progress, and is leased: if its worker dies, it runs again
when the lease runs out, and must itself skip what it already did.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from common.enums import PickupStatus
from server.models import Pickup, User
from server.models.types import utcnow
from server.services.returns import chasing, engine
from server.services.stock import reservations
from server.services.work import jobs
from server.services.notifications import notices, outbox
from server.services.planning import plan_runs, planning
from server.services.sync import sync_state
from server.services.integration import feed
from server.services.errors import ServiceError
from server.services.settings import current_policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskSpec:
    fn: Callable[..., None]
    transactional: bool = True


TASKS: dict[str, TaskSpec] = {}


def task(name: str, *, transactional: bool = True):
    def register(fn):
        if name in TASKS:
            raise ValueError(f"Task {name!r} is registered twice.")
        TASKS[name] = TaskSpec(fn, transactional)
        return fn

    return register


@dataclass(frozen=True)
class Periodic:
    """Run task `name` once per period; `offset` shifts the period's start (e.g. 17:00 daily)."""

    name: str
    every: timedelta
    offset: timedelta = timedelta(0)


def _local_today() -> date:
    return utcnow().astimezone(ZoneInfo(current_app.config["SITE_TIMEZONE"])).date()


SCHEDULE: list[Periodic] = [
    Periodic("prune_change_log", every=timedelta(hours=6)),
    Periodic("archive_completed_jobs", every=timedelta(hours=1)),
    Periodic("plan_tomorrow", every=timedelta(days=1), offset=timedelta(hours=17)),
    Periodic("send_pickup_reminders", every=timedelta(hours=1)),
    Periodic("chase_overdue", every=timedelta(days=1), offset=timedelta(hours=7)),
    Periodic("retry_shortages", every=timedelta(hours=1)),
    Periodic("escalate_returns", every=timedelta(days=1), offset=timedelta(hours=7, minutes=30)),
    Periodic("prune_feed", every=timedelta(hours=6)),
]


@task("decide_return_lines")
def decide_return_lines(session: so.Session, return_line_ids: list[str]) -> None:
    """The logistics engine decides new return lines."""
    engine.decide_return_lines(session, return_line_ids, current_policy())


@task("plan_day", transactional=False)
def plan_day(session: so.Session, day: str, run_id: int | None = None, seconds: float | None = None,
             by_id: int | None = None) -> None:
    """(Re-)plan one day's courier rounds, carrying out run `run_id`: read, search outside any
    transaction, then write the plan in a short one (server/services/planning/planning.py)."""
    by = session.get(User, by_id) if by_id is not None else None
    try:
        planning.plan_day(session, date.fromisoformat(day), by, seconds, run_id=run_id)
    except ServiceError as err:
        # The run records why, for the dispatcher; trying again would not change the answer.
        log.info("Planning %s did not run: %s", day, err.message)


@task("plan_tomorrow")
def plan_tomorrow(session: so.Session) -> None:
    """Ask for tomorrow's plan; the plan_day task makes it."""
    plan_runs.queue_plan(session, _local_today() + timedelta(days=1))


@task("send_pickup_reminders")
def send_pickup_reminders(session: so.Session) -> None:
    """The day before a pickup, remind the site contact once."""
    tomorrow = _local_today() + timedelta(days=1)
    due = session.scalars(sa.select(Pickup).where(
        Pickup.status == PickupStatus.SCHEDULED, Pickup.planned_date == tomorrow,
        sa.or_(Pickup.reminded_for.is_(None), Pickup.reminded_for != tomorrow),
    )).all()
    for pickup in due:
        pickup.reminded_for = tomorrow
        notices.pickup_reminder(session, pickup)


@task("chase_overdue")
def chase_overdue(session: so.Session) -> None:
    config = current_app.config
    chasing.chase_overdue(session, config["OVERDUE_PICKUP_DAYS"], config["OVERDUE_RECEIVE_DAYS"])


@task("escalate_returns")
def escalate_returns(session: so.Session) -> None:
    """Unconfirmed and overdue lines take their next chasing steps (rules.toml, [chasing])."""
    chasing.escalate(session, current_app.extensions["fieldloop.policy"].chasing)


@task(outbox.DELIVER_TASK, transactional=False)
def deliver_notification(session: so.Session, notification_id: int) -> None:
    config = current_app.config
    outbox.deliver(session, notification_id, outbox.mail_transport(config), max_attempts=config["TASK_MAX_ATTEMPTS"],
                   webhook_timeout_s=config["WEBHOOK_TIMEOUT_S"],
                   webhook_allow_loopback=config["WEBHOOK_ALLOW_LOOPBACK"])


@task("retry_shortages")
def retry_shortages(session: so.Session) -> None:
    """Stock that has arrived since meets the shortages it can, earliest job first."""
    reservations.retry_shortages(session)


@task("prune_change_log")
def prune_change_log(session: so.Session) -> None:
    sync_state.prune_change_log(session, current_app.config["SYNC_RETENTION_DAYS"])


@task("archive_completed_jobs")
def archive_completed_jobs(session: so.Session) -> None:
    jobs.archive_completed_jobs(session, current_app.config["JOB_SCOPE_COMPLETED_DAYS"])


@task("prune_feed")
def prune_feed(session: so.Session) -> None:
    """Events older than the feed's retention go; a cursor from before them then gets 409."""
    feed.prune_feed(session, current_app.config["FEED_RETENTION_DAYS"])
