"""Background task functions and their schedule, whichever runner executes them.

A task is a function ``fn(session, **args)`` that does its work in the
session it is given and never commits: the runner commits its effects
together with the task's own "done" mark, so a task takes effect once.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import sqlalchemy.orm as so
from flask import current_app

from server.services import jobs, sync_state

TASKS: dict[str, Callable[..., None]] = {}


def task(name: str):
    def register(fn):
        if name in TASKS:
            raise ValueError(f"Task {name!r} is registered twice.")
        TASKS[name] = fn
        return fn

    return register


@dataclass(frozen=True)
class Periodic:
    """Run task `name` once per period; `offset` shifts the period's start (e.g. 17:00 daily)."""

    name: str
    every: timedelta
    offset: timedelta = timedelta(0)


SCHEDULE: list[Periodic] = [
    Periodic("prune_change_log", every=timedelta(hours=6)),
    Periodic("archive_completed_jobs", every=timedelta(hours=1)),
]


@task("decide_return_lines")
def decide_return_lines(session: so.Session, return_line_ids: list[str]) -> None:
    """Hand new return lines to the logistics engine."""


@task("prune_change_log")
def prune_change_log(session: so.Session) -> None:
    sync_state.prune_change_log(session, current_app.config["SYNC_RETENTION_DAYS"])


@task("archive_completed_jobs")
def archive_completed_jobs(session: so.Session) -> None:
    jobs.archive_completed_jobs(session, current_app.config["JOB_SCOPE_COMPLETED_DAYS"])
