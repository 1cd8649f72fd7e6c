"""The in-process runner: a daemon thread that keeps the schedule and runs due tasks."""

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)


class ThreadRunner:
    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self, task_ids: list[int]) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="fieldloop-tasks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        from server.runner import run_due

        while not self._stop.is_set():
            try:
                run_due(self.app, keep_schedule=True)
            except Exception:
                log.exception("The task runner's pass failed; trying again shortly")
            self._wake.wait(self.app.config["TASK_POLL_SECONDS"])
            self._wake.clear()
