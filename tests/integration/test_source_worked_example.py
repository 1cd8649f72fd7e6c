"""The end-to-end worked example of docs/integration.md is replayed as written: its setup commands run
through the app's flask CLI on the test's database, each curl command in it runs with the real curl against a
live server on that database, and each answer must be the one the page shows (a "…" in the page stands for a value that differs from run
to run: ids of events, times)."""

import json
import re
import shlex
import subprocess
from pathlib import Path

import factories as make
from common.enums import StockGrade, StockLocationKind
from stock_fixtures import supply

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
EXAMPLE_HEADING = "\n## A worked example, end to end\n"
ANY = "…"
STEP = re.compile(r"```sh\n(?P<command>.*?)\n```\s*\nAnswer \((?P<status>\d{3})\):\n+```json\n(?P<answer>.*?)\n```", re.S)
SETUP = re.compile(r"```shell\n(?P<commands>.*?)\n```", re.S)
SETUP_LINE = re.compile(r"(?:(?P<into>KEY)=\$\()?flask --app server (?P<args>[^)]*)\)?")
FILE = re.compile(r"`(?P<name>[\w.]+)`:\n+```csv\n(?P<text>.*?\n)```", re.S)


def steps(text: str) -> list[tuple[str, int, object]]:
    return [(m["command"], int(m["status"]), json.loads(m["answer"])) for m in STEP.finditer(text)]


def matches(shown, actual) -> bool:
    if shown == ANY:
        return True
    if isinstance(shown, dict):
        return isinstance(actual, dict) and shown.keys() == actual.keys() and all(
            matches(v, actual[k]) for k, v in shown.items())
    if isinstance(shown, list):
        return isinstance(actual, list) and len(shown) == len(actual) and all(map(matches, shown, actual))
    return shown == actual


def run_curl(command: str, env: dict, cwd: Path) -> tuple[int, object]:
    done = subprocess.run(["bash", "-c", command + " -w '\\n%{http_code}'"], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=30, check=True)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def set_up(app, commands: str) -> str:
    """Run the page's setup commands (``flask --app server …``, or ``KEY=$(flask --app server …)``) with the app's
    own CLI on the test's database; the key they leave in $KEY."""
    runner, key = app.test_cli_runner(), None
    for line in commands.splitlines():
        m = SETUP_LINE.fullmatch(line.strip())
        assert m, line
        done = runner.invoke(args=shlex.split(m["args"]))
        assert done.exit_code == 0, done.output
        if m["into"]:
            key = done.stdout.strip()
    return key


def test_the_worked_example_answers_as_the_page_shows(app, live_server, session, world, tmp_path):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.NEW, 5)
    text = DOC.read_text().split(EXAMPLE_HEADING, 1)[1].split("\n## ", 1)[0]
    key = set_up(app, SETUP.search(text)["commands"])
    assert key.startswith("flk_")
    for m in FILE.finditer(text):
        (tmp_path / m["name"]).write_text(m["text"])
    env = {"PATH": "/usr/bin:/bin", "FIELDLOOP": live_server.url, "KEY": key,
           "TODAY": make.now().date().isoformat()}
    replayed = steps(text)
    assert len(replayed) == 7
    for command, status, shown in replayed:
        answer = run_curl(command, env, tmp_path)
        assert answer[0] == status and matches(shown, answer[1]), (command, answer)
