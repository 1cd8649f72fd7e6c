"""Celery workers killed (SIGKILL) in the middle of a task: the task runs again on the next worker and its
effect happens once — one active plan for the day, one pickup email per pickup by Message-ID, each
notification marked sent once.

Real ``celery -A server.celery_worker worker --pool solo`` processes on Redis
database 13. The first is killed while it plans the day (PLANNER_SECONDS=3),
the second while the SMTP server has taken a pickup email but not yet said
so. Each time a new worker is started, and once the task's lease
(TASK_LEASE_SECONDS) has run out the test hands the due tasks out again, as
Celery beat's ``fieldloop.tick`` does every 30 s.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from email import message_from_bytes, message_from_string

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

import factories as make
from factories import next_weekday
from app_settings import TEST_CONFIG
from live_servers import ROOT, server_environment
from loopback_servers import LOOPBACK, free_port
from phones import Phone as ProtocolPhone
from server import create_app
from server.extensions import db
from server.models import BackgroundTask, CourierPlan, Notification, Pickup
from server.models.notifications import SENT
from server.models.tasks import DONE, RUNNING
from server.runner import queue, run_due, runner_of
from waiting import wait_for

PLANNER_SECONDS = 3
LEASE_SECONDS = 4



DAY = next_weekday(date.today())


class HoldingSmtpHandler:
    """Takes every message and records its Message-ID; when told, holds its answer to the next DATA."""

    def __init__(self):
        self.message_ids: list[str] = []
        self.hold_next = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        if self.hold_next.is_set():
            self.hold_next.clear()
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_receiver():
    handler = HoldingSmtpHandler()
    controller = Controller(handler, hostname=LOOPBACK, port=free_port(), ready_timeout=5)
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


class Workers:
    """Celery worker processes, started one at a time and killed by their pid."""

    def __init__(self, env: dict[str, str], log_folder):
        self.env, self.log_folder, self.started = env, log_folder, []

    def start(self) -> subprocess.Popen:
        log_path = self.log_folder / f"worker-{len(self.started) + 1}.log"
        with open(log_path, "w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "server.celery_worker", "worker", "--pool", "solo",
                 "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--hostname", f"fault-{uuid.uuid4().hex[:6]}@{LOOPBACK}"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        worker.log_path = log_path
        self.started.append(worker)
        assert wait_for(lambda: "ready." in log_path.read_text() or worker.poll() is not None, 60)
        assert worker.poll() is None, log_path.read_text()[-3000:]
        return worker

    def kill(self, worker: subprocess.Popen) -> None:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(10)
                except subprocess.TimeoutExpired:
                    self.kill(worker)


@pytest.fixture
def workers(database_url, redis_broker, smtp_receiver, tmp_path):
    env = server_environment(database_url, tmp_path / "instance", CELERY_BROKER_URL=redis_broker,
                             PLANNER_SECONDS=PLANNER_SECONDS, TASK_LEASE_SECONDS=LEASE_SECONDS,
                             SMTP_HOST=LOOPBACK, SMTP_PORT=smtp_receiver[1])
    started = Workers(env, tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def celery_app(database_url, redis_broker, smtp_receiver):
    """The app as a web process with JOB_RUNNER=celery sees it: tasks it commits are sent to the workers."""
    app = create_app({**TEST_CONFIG, "JOB_RUNNER": "celery", "SQLALCHEMY_DATABASE_URI": database_url,
                      "CELERY_BROKER_URL": redis_broker, "PLANNER_SECONDS": PLANNER_SECONDS,
                      "TASK_LEASE_SECONDS": LEASE_SECONDS})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def two_due_pickups(app, logistics, session):
    """A heavy printer waiting for a courier at each of two sites, north (Amy) and south (Ben)."""
    world = logistics.world
    make.installed_item(session, logistics.printer, world.south, "AR66666666", days_ago=900)
    for username, job, serial in (("amy", world.amy_job, "AR55555555"), ("ben", world.ben_job, "AR66666666")):
        phone = ProtocolPhone(client=app.test_client())
        assert phone.sign_in(username).status == 200
        removal = phone.new_event("part_removed", job.id, part_number="PRN-MFP-C550", serial=serial,
                                  condition="faulty", failure_code="electrical")
        assert phone.push([removal]).json["results"][0]["status"] == "accepted"
    run_due(app)
    session.rollback()
    pickups = session.scalars(sa.select(Pickup).order_by(Pickup.id)).all()
    assert len(pickups) == 2
    return [p.id for p in pickups]


def task_row(session, name: str, status: str | None = None) -> BackgroundTask | None:
    session.rollback()
    query = sa.select(BackgroundTask).where(BackgroundTask.name == name).order_by(BackgroundTask.id)
    if status is not None:
        query = query.where(BackgroundTask.status == status)
    return session.scalars(query).first()


def hand_out_again_after_the_lease(session, celery_app, name: str) -> None:
    """Wait until the lease of the task its killed worker left running has run out, then hand out the due
    tasks as beat's ``fieldloop.tick`` does (without enqueueing the periodic ones: plan_tomorrow would plan
    the same day again)."""
    lease_end = task_row(session, name, RUNNING).run_after
    time.sleep(max(0.0, (lease_end - make.now()).total_seconds()) + 0.2)
    with celery_app.app_context():
        for task_id in queue.due_task_ids(db.session):
            runner_of(celery_app).celery.send_task("fieldloop.run_task", args=[task_id])


def test_workers_killed_mid_task_leave_one_plan_and_one_email_per_pickup(two_due_pickups, celery_app, workers,
                                                                        smtp_receiver, session):
    smtp, _ = smtp_receiver

    # 1. The first worker is killed while it plans the day.
    first = workers.start()
    with celery_app.app_context():
        queue.enqueue(db.session, "plan_day", {"day": DAY.isoformat()})
        db.session.commit()
    assert wait_for(lambda: task_row(session, "plan_day").status == RUNNING, 60)
    time.sleep(PLANNER_SECONDS / 3)
    workers.kill(first)
    assert task_row(session, "plan_day").status == RUNNING
    assert session.scalar(sa.select(sa.func.count()).select_from(CourierPlan)) == 0

    # 2. The next one plans it again; it is killed while the SMTP server holds the first email.
    smtp.hold_next.set()
    second = workers.start()
    hand_out_again_after_the_lease(session, celery_app, "plan_day")
    assert smtp.holding.wait(60), second.log_path.read_text()[-3000:]
    workers.kill(second)
    smtp.release.set()
    assert task_row(session, "plan_day").status == DONE

    # 3. The third sends what is left, the held email again.
    workers.start()
    hand_out_again_after_the_lease(session, celery_app, "deliver_notification")

    def all_sent():
        session.rollback()
        return {n.status for n in session.scalars(sa.select(Notification))} == {SENT}

    assert wait_for(all_sent, 60), [(n.id, n.status, n.attempts) for n in session.scalars(sa.select(Notification))]
    session.rollback()
    plans = session.scalars(sa.select(CourierPlan).where(CourierPlan.plan_date == DAY)).all()
    assert [p.active for p in plans] == [True], "one plan for the day, and it is the active one"
    assert task_row(session, "plan_day").attempts == 2
    notifications = session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert sorted(n.pickup_id for n in notifications) == two_due_pickups
    assert all(n.sent_at is not None and n.kind == "pickup_scheduled" for n in notifications)
    message_ids = [message_from_string(n.content)["Message-ID"] for n in notifications]
    assert set(smtp.message_ids) == set(message_ids), "one email per pickup, by Message-ID"
    # At least once, not exactly once: the email the SMTP server had taken when its sender died went again,
    # with the same Message-ID, so the receiver can drop the repeat.
    held = smtp.message_ids[0]
    assert sorted(smtp.message_ids) == sorted(message_ids + [held])
    assert {n.attempts for n in notifications} == {1, 2}
