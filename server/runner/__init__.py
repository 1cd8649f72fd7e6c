"""Runs background tasks: one interface, three runners chosen by JOB_RUNNER.

* ``thread`` (the embedded default): a daemon thread in the app process polls
  the stored queue and keeps the schedule.
* ``celery``: new tasks are sent to Celery workers over Redis; Celery beat
  calls ``fieldloop.tick`` to keep the same schedule.
* ``manual``: nothing runs by itself; tests and tools call ``run_due``.
"""

import logging

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, has_app_context

from server.extensions import db
from server.runner import queue

log = logging.getLogger(__name__)
EXTENSION = "fieldloop.runner"


class ManualRunner:
    def __init__(self, app: Flask):
        self.app = app

    def notify(self, task_ids: list[int]) -> None:
        """New tasks were committed; a manual runner waits to be asked."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def init_runner(app: Flask) -> None:
    kind = app.config["JOB_RUNNER"]
    if kind == "thread":
        from server.runner.thread import ThreadRunner

        runner = ThreadRunner(app)
    elif kind == "celery":
        from server.runner.celery import CeleryRunner

        runner = CeleryRunner(app)
    else:
        runner = ManualRunner(app)
    app.extensions[EXTENSION] = runner

    @app.before_request
    def _start_runner_when_serving():
        # Only a serving process runs tasks in the background; CLI commands do not.
        runner.start()


def runner_of(app: Flask):
    return app.extensions[EXTENSION]


def run_due(app: Flask, limit: int = 1000, *, keep_schedule: bool = False) -> int:
    """Run every task that is due now, in this thread; return how many ran.

    With `keep_schedule`, first enqueue the periodic tasks whose time has come.
    """
    from server.tasks import SCHEDULE

    ran = 0
    with app.app_context():
        if keep_schedule:
            queue.tick(db.session, SCHEDULE)
        for task_id in queue.due_task_ids(db.session, limit):
            ran += run_one(app, task_id)
    return ran


def run_one(app: Flask, task_id: int) -> bool:
    try:
        return queue.execute(
            db.session, task_id, max_attempts=app.config["TASK_MAX_ATTEMPTS"],
            retry_base_s=app.config["TASK_RETRY_BASE_S"], lease_s=app.config["TASK_LEASE_SECONDS"],
        )
    except sa.exc.SQLAlchemyError:
        log.exception("Task %s could not run; it stays queued", task_id)
        db.session.rollback()
        return False


def register_session_hooks() -> None:
    """Hand committed tasks to the runner, forget rolled-back ones; init_runner calls it (idempotent)."""
    for name, hook in (("after_commit", _notify_runner), ("after_rollback", _forget_rolled_back)):
        if not sa.event.contains(so.Session, name, hook):
            sa.event.listen(so.Session, name, hook)


def _notify_runner(session: so.Session) -> None:
    task_ids = queue.take_new_task_ids(session)
    if task_ids and has_app_context() and EXTENSION in current_app.extensions:
        try:
            runner_of(current_app).notify(task_ids)
        except Exception:
            # The tasks are stored; the next tick hands them out.
            log.exception("Could not hand tasks %s to the runner", task_ids)


def _forget_rolled_back(session: so.Session) -> None:
    queue.forget_new_tasks(session)
