"""The production runner: Celery workers on Redis execute the stored tasks.

Start workers with ``celery -A server.celery_worker worker`` and the schedule
with ``celery -A server.celery_worker beat``. A message only carries a task
id; the task itself, its state and its effects stay in the database, so a
worker killed mid-task leaves the task pending and the message is delivered
again (late acknowledgement).
"""

from datetime import timedelta

from celery import Celery
from flask import Flask

TICK_EVERY = timedelta(seconds=30)


def make_celery(app: Flask) -> Celery:
    celery = Celery("fieldloop", broker=app.config["CELERY_BROKER_URL"])
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={"fieldloop-tick": {"task": "fieldloop.tick", "schedule": TICK_EVERY}},
    )

    @celery.task(name="fieldloop.run_task")
    def run_task(task_id: int) -> None:
        from server.runner import run_one

        with app.app_context():
            run_one(app, task_id)

    @celery.task(name="fieldloop.tick")
    def tick() -> None:
        from server.extensions import db
        from server.runner import queue
        from server.tasks import SCHEDULE

        with app.app_context():
            queue.tick(db.session, SCHEDULE)
            for task_id in queue.due_task_ids(db.session):
                run_task.delay(task_id)

    return celery


class CeleryRunner:
    def __init__(self, app: Flask):
        self.app = app
        self.celery = make_celery(app)

    def notify(self, task_ids: list[int]) -> None:
        for task_id in task_ids:
            self.celery.send_task("fieldloop.run_task", args=[task_id])

    def start(self) -> None:
        """Workers and beat are separate processes."""

    def stop(self) -> None:
        pass
