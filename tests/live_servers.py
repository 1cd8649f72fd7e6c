"""The app over real HTTP on a loopback port kept across restarts: in a thread, or in a process of its own.

``RestartableServer`` serves an app object of the test process (werkzeug, in a
thread); ``stop()`` and ``start()`` take it away and bring it back.
``ServerProcess`` runs ``server:create_app()`` in a child process (werkzeug's
threaded server through ``flask run``, or gunicorn) configured by environment
variables as in production; ``kill()`` is SIGKILL, to the child's own process
group, so nothing of it survives to finish a request.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

from loopback_servers import LOOPBACK, free_port

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60


class RestartableServer:
    """The app over real HTTP on a loopback port that stays the same across stop() and start()."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> "RestartableServer":
        self._server = make_server(LOOPBACK, self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None


def server_environment(database_url: str, instance_dir: Path, **settings: str) -> dict[str, str]:
    """Environment of a server process on `database_url`: the tests' settings, then `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JOB_RUNNER", "FLASK_APP")}
    env.update({
        "DATABASE_URL": database_url,
        "JOB_RUNNER": "manual",
        "SECRET_KEY": "test-secret-key",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
        "TASK_RETRY_BASE_S": "0",
        "FIELDLOOP_INSTANCE_DIR": str(instance_dir),
        "PYTHONPATH": str(ROOT),
    })
    env.update({name: str(value) for name, value in settings.items()})
    return env


class ServerProcess:
    """``server:create_app()`` in a child process on a fixed loopback port; ``kind`` is werkzeug or gunicorn."""

    def __init__(self, env: dict[str, str], log_path: Path, *, kind: str = "werkzeug", workers: int = 2,
                 port: int | None = None):
        if kind not in ("werkzeug", "gunicorn"):
            raise ValueError(f"kind must be werkzeug or gunicorn, not {kind!r}.")
        self.env, self.log_path, self.kind, self.workers = env, Path(log_path), kind, workers
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def argv(self) -> list[str]:
        if self.kind == "gunicorn":
            return [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind",
                    f"{LOOPBACK}:{self.port}", "--timeout", "120", "--graceful-timeout", "5", "server:create_app()"]
        return [sys.executable, "-m", "flask", "--app", "server", "run", "--host", LOOPBACK, "--port",
                str(self.port), "--no-reload", "--no-debugger", "--with-threads"]

    def start(self, timeout_s: float = START_TIMEOUT_S) -> "ServerProcess":
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(self.argv(), env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"The server process exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                requests.get(self.url + "/api/v1/health", timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"The server process did not answer within {timeout_s} s:\n{self.log_tail()}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the server and every process of its group (gunicorn's workers): no clean-up, no last answer."""
        if self.running:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.kills += 1
        if self.proc is not None:
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop it politely (SIGTERM), or kill it if it will not go."""
        if self.running:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> "ServerProcess":
        self.kill()
        return self.start()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
