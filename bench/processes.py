"""The production processes a benchmark starts on loopback, and stops by their own pid.

``Gunicorn`` serves ``server:create_app()`` with N workers; ``CeleryWorker``
runs ``celery -A server.celery_worker worker``. Each is started with the
given environment, logs to a file in bench/results/, and is stopped (its
process group, by pid) when the ``with`` block ends.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.databases import BENCH_SECRET_KEY
from bench.report import REPO, RESULTS_DIR

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server process on `database_url`; PASSWORD_HASH_MEMORY_KIB is cheap for benchmarks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "JOB_RUNNER"))}
    env.update({
        "DATABASE_URL": database_url,
        "JOB_RUNNER": "manual",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
        "FIELDLOOP_INSTANCE_DIR": str(RESULTS_DIR / "instance"),
        "PYTHONPATH": str(REPO),
    })
    env.update(extra)
    return env


class _Process:
    name = "process"

    def __init__(self, argv: list[str], env: dict[str, str], log_name: str):
        self.argv, self.env = argv, env
        self.log_path = RESULTS_DIR / f"{log_name}.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def wait_ready(self) -> None:
        pass

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()

    def _check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}:\n"
                               + self.log_path.read_text()[-3000:])


class Gunicorn(_Process):
    name = "gunicorn"

    def __init__(self, env: dict[str, str], workers: int = 4, log_name: str = "gunicorn"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                "--timeout", "120", "--graceful-timeout", "10", "server:create_app()"]
        super().__init__(argv, env, log_name)

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if requests.get(self.url + "/api/openapi.json", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout_s} s; see {self.log_path}")


class CeleryWorker(_Process):
    name = "celery worker"

    def __init__(self, env: dict[str, str], concurrency: int = 2, log_name: str = "celery"):
        argv = [str(VENV_BIN / "celery"), "-A", "server.celery_worker", "worker", "--concurrency", str(concurrency),
                "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        super().__init__(argv, env, log_name)

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_alive()
            if "ready." in self.log_path.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"the celery worker was not ready within {timeout_s} s; see {self.log_path}")
