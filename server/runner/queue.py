"""The stored task queue that both runners (in-process thread, Celery) work from.

`enqueue` adds a task row in the caller's transaction, so a task exists if and
only if the change that asked for it committed. `execute` runs one task and
marks it done in a single transaction; a crash part-way leaves it pending and
it runs again. `tick` enqueues the periodic tasks whose period has come.
"""

import random
import traceback
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from server.database import begin_write
from server.models.tasks import DONE, FAILED, PENDING, RUNNING, BackgroundTask
from server.models.types import utcnow

#: Key in ``session.info`` of the tasks added in the current transaction.
NEW_TASKS = "fieldloop.new_tasks"

RETRY_BASE_S = 15
RETRY_MAX_S = 3600
#: A non-transactional task whose worker died is run again after this (TASK_LEASE_SECONDS).
LEASE_S = 600
_RUNNABLE = (PENDING, RUNNING)


def enqueue(
    session: so.Session, name: str, args: dict | None = None, *, dedupe_key: str | None = None,
    run_after: datetime | None = None,
) -> BackgroundTask | None:
    """Ask for a task in the current transaction; None if `dedupe_key` was already asked for."""
    task = BackgroundTask(name=name, args=args or {}, dedupe_key=dedupe_key, run_after=run_after or utcnow())
    if dedupe_key is None:
        session.add(task)
    else:
        try:
            with session.begin_nested():
                session.add(task)
        except sa.exc.IntegrityError:
            return None
    session.info.setdefault(NEW_TASKS, []).append(task)
    return task


def take_new_task_ids(session: so.Session) -> list[int]:
    """The ids of tasks the just-committed transaction added (called after commit)."""
    return [t.id for t in session.info.pop(NEW_TASKS, []) if t.id is not None]


def forget_new_tasks(session: so.Session) -> None:
    session.info.pop(NEW_TASKS, None)


def due_task_ids(session: so.Session, limit: int = 100, now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    ids = session.scalars(
        sa.select(BackgroundTask.id)
        .where(BackgroundTask.status.in_(_RUNNABLE), BackgroundTask.run_after <= now)
        .order_by(BackgroundTask.run_after, BackgroundTask.id)
        .limit(limit)
    ).all()
    session.commit()
    return list(ids)


def retry_delay_s(attempts: int, base_s: float = RETRY_BASE_S) -> float:
    """Exponential back-off with jitter, capped at an hour."""
    delay = min(RETRY_MAX_S, base_s * 2 ** (attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def execute(session: so.Session, task_id: int, *, max_attempts: int = 8, retry_base_s: float = RETRY_BASE_S,
            lease_s: float = LEASE_S) -> bool:
    """Run one due task; False if it was not due, taken by another worker, or failed."""
    from server.tasks import TASKS

    begin_write(session)
    now = utcnow()
    query = sa.select(BackgroundTask).where(
        BackgroundTask.id == task_id, BackgroundTask.status.in_(_RUNNABLE), BackgroundTask.run_after <= now
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    task = session.scalar(query)
    if task is None:
        session.rollback()
        return False
    spec = TASKS[task.name]
    task.attempts += 1
    if spec.transactional:
        try:
            with session.begin_nested():
                spec.fn(session, **task.args)
            error = None
        except Exception:
            error = traceback.format_exc(limit=8)[-4000:]
    else:
        task.status, task.run_after = RUNNING, now + timedelta(seconds=lease_s)
        args = dict(task.args)
        session.commit()
        try:
            spec.fn(session, **args)
            error = None
        except Exception:
            session.rollback()
            error = traceback.format_exc(limit=8)[-4000:]
        begin_write(session)
        task = session.get(BackgroundTask, task_id)
    _finish(task, error, now, max_attempts, retry_base_s)
    session.commit()
    return task.status == DONE


def _finish(task: BackgroundTask, error: str | None, now: datetime, max_attempts: int, retry_base_s: float) -> None:
    if error is None:
        task.status, task.finished_at, task.last_error = DONE, utcnow(), None
        return
    task.last_error = error
    if task.attempts >= max_attempts:
        task.status = FAILED
    else:
        task.status = PENDING
        task.run_after = now + timedelta(seconds=retry_delay_s(task.attempts, retry_base_s))


def tick(session: so.Session, schedule, now: datetime | None = None) -> None:
    """Enqueue each periodic task once per period, however many schedulers call this."""
    now = now or utcnow()
    begin_write(session)
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    for periodic in schedule:
        slot = (now - epoch - periodic.offset) // periodic.every
        slot_start = epoch + periodic.offset + slot * periodic.every
        enqueue(session, periodic.name, dedupe_key=f"{periodic.name}@{slot_start.isoformat()}")
    session.commit()
