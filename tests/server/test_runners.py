"""Background tasks run the same way in-process and on Celery workers over Redis."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

import factories as make
from server import create_app
from server.extensions import db
from server.models import BackgroundTask, Job
from server.models.tasks import DONE, FAILED, PENDING
from server.runner import queue, run_due
from server.tasks import SCHEDULE, TASKS, task
from waiting import wait_for


if "test_fails_twice" not in TASKS:

    @task("test_fails_twice")
    def _fails_twice(session, key: str):
        attempts = session.scalar(sa.select(BackgroundTask.attempts).where(BackgroundTask.dedupe_key == key))
        if attempts < 3:
            raise RuntimeError(f"failing on purpose, attempt {attempts}")


def tasks(session, name=None):
    session.rollback()
    query = sa.select(BackgroundTask).order_by(BackgroundTask.id)
    if name:
        query = query.where(BackgroundTask.name == name)
    return session.scalars(query).all()


def test_a_task_exists_only_if_the_change_that_asked_for_it_committed(session):
    queue.enqueue(session, "decide_return_lines", {"return_line_ids": []})
    session.rollback()
    assert tasks(session) == []


def test_manual_runner_runs_due_tasks_once(app, amy, world, session):
    amy.push([amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")])
    assert [t.status for t in tasks(session, "decide_return_lines")] == [PENDING]
    assert run_due(app) >= 1
    assert [t.status for t in tasks(session, "decide_return_lines")] == [DONE]
    run_due(app)
    assert [t.attempts for t in tasks(session, "decide_return_lines")] == [1]


def test_a_failing_task_is_retried_with_back_off_then_succeeds(app, session):
    queue.enqueue(session, "test_fails_twice", {"key": "k1"}, dedupe_key="k1")
    session.commit()
    for _ in range(3):
        run_due(app)
    (t,) = tasks(session, "test_fails_twice")
    assert (t.status, t.attempts, t.last_error) == (DONE, 3, None)


def test_a_task_that_keeps_failing_is_marked_failed_with_its_error(database_url, tmp_path):
    app = create_app({"JOB_RUNNER": "manual", "SQLALCHEMY_DATABASE_URI": database_url, "TASK_MAX_ATTEMPTS": 2,
                      "TASK_RETRY_BASE_S": 0, "SECRET_KEY": "x"})
    with app.app_context():
        queue.enqueue(db.session, "test_fails_twice", {"key": "k2"}, dedupe_key="k2")
        db.session.commit()
        run_due(app)
        run_due(app)
        (t,) = tasks(db.session, "test_fails_twice")
        assert (t.status, t.attempts) == (FAILED, 2)
        assert "failing on purpose" in t.last_error
        db.engine.dispose()


def test_retry_delay_grows_exponentially_and_is_capped():
    delays = [queue.retry_delay_s(n, base_s=10) for n in (1, 2, 3, 4, 20)]
    assert 8 <= delays[0] <= 12 and 16 <= delays[1] <= 24 and 32 <= delays[2] <= 48
    assert delays[4] <= queue.RETRY_MAX_S * 1.2


def test_periodic_tasks_are_enqueued_once_per_period_however_many_schedulers_tick(session):
    when = make.now()
    for _ in range(3):
        queue.tick(session, SCHEDULE, now=when)
    queue.tick(session, SCHEDULE, now=when + timedelta(seconds=5))
    names = [t.name for t in tasks(session)]
    assert sorted(names) == sorted(p.name for p in SCHEDULE)


def test_thread_runner_runs_a_task_soon_after_the_commit(database_url):
    app = create_app({"JOB_RUNNER": "thread", "SQLALCHEMY_DATABASE_URI": database_url, "TASK_POLL_SECONDS": 30,
                      "SECRET_KEY": "x", "PASSWORD_HASH_MEMORY_KIB": 1024})
    with app.test_request_context():
        app.preprocess_request()  # a serving process starts its runner on the first request
        world_site = make.site(db.session, "Runner Site")
        dispatcher = make.user(db.session, "runner-dispatcher", role="dispatcher")
        job = make.job(db.session, world_site, None, dispatcher)
        queue.enqueue(db.session, "archive_completed_jobs")
        db.session.commit()  # the runner is woken by the commit, not by its 30 s poll
        assert wait_for(lambda: {t.status for t in tasks(db.session, "archive_completed_jobs")} == {DONE}, 10)
        assert db.session.get(Job, job.id) is not None
    from server.runner import runner_of

    runner_of(app).stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def celery_worker(database_url, redis_broker, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": redis_broker,
           "FIELDLOOP_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "server.celery_worker", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "--hostname", f"test-{uuid.uuid4().hex[:6]}@127.0.0.1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield worker
    worker.terminate()
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()


def test_celery_worker_runs_the_task_a_push_asked_for(database_url, redis_broker, celery_worker, session, world):
    from phones import Phone

    app = create_app({"JOB_RUNNER": "celery", "SQLALCHEMY_DATABASE_URI": database_url,
                      "CELERY_BROKER_URL": redis_broker, "SECRET_KEY": "x", "PASSWORD_HASH_MEMORY_KIB": 1024})
    phone = Phone(client=app.test_client())
    assert phone.sign_in("amy").status == 200
    r = phone.push([phone.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")])
    assert r.json["results"][0]["status"] == "accepted"
    assert wait_for(lambda: [t.status for t in tasks(session, "decide_return_lines")] == [DONE], 60), \
        celery_worker.stdout.read1().decode() if celery_worker.poll() is not None else "worker still running"
    with app.app_context():
        db.engine.dispose()

