"""A randomized fault run in the spirit of Jepsen: several phones log and sync while everything fails, then
the history is checked against the promise "nothing logged on a phone is lost or duplicated".

Each device is a phone process of its own (tests/phone_child.py) with its own
store, reaching the server through its own FlakyLink. Over several rounds, from
one seed: devices go offline for a while, the links cut, hold, lose and
duplicate requests, phone processes are SIGKILLed, the server process is
SIGKILLed and restarted, and a dispatcher moves jobs between engineers. Then
everything heals, every device syncs once more in-process, captured pushes
are replayed late, and the invariants are checked:

* every outbox is empty and nothing was refused;
* every entry a phone confirmed as saved is in its store, and the events the
  server holds from each device are exactly its store's entries, each once,
  with no seq gap;
* no push is half-applied (return lines and custody entries match events);
* replayed pushes only ever get ``duplicate``;
* every phone's cache comes to equal a fresh full pull of its engineer's
  scope (counts per record kind and a SHA-256 over the records; see
  ``scope_views.converge`` for why "comes to").

The CI test (tests/faults/test_fault_randomized.py) runs it small;
``python -m bench.jepsen`` runs it large.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

import factories as make
from common.enums import Role
from field_phones import open_phone
from live_servers import ROOT, ServerProcess
from mobile.sync import SyncState
from mobile_workload import server_events
from scope_views import converge
from server.models import Job, Site, User
from server.services.work import jobs
from server_ledger import count_by_id, device_sequence, half_written
from tcp_proxy import CUT_ANSWER, CUT_REQUEST, DELAY_ANSWER, DUPLICATE, LOSE_ANSWER, FlakyLink

CHILD = Path(__file__).with_name("phone_child.py")
DEFAULT_ODDS = {CUT_REQUEST: 0.06, CUT_ANSWER: 0.06, LOSE_ANSWER: 0.06, DELAY_ANSWER: 0.02, DUPLICATE: 0.08}
#: Longer than the phone process's read timeout (tests/phone_child.py), so a held answer times out.
HELD_ANSWER_S = 2.5
CONVERGE_RUNS = 12


@dataclass(frozen=True)
class JepsenPlan:
    devices: int = 3
    entries_per_round: int = 20
    rounds: int = 3
    seed: int = 1
    odds: dict = field(default_factory=lambda: dict(DEFAULT_ODDS))
    offline_share: float = 0.5  # of devices that lose signal for a while in a round
    phone_kill_share: float = 0.4  # of devices whose process is killed in a round
    server_kill_share: float = 0.7  # of rounds in which the server process is killed
    round_deadline_s: float = 15.0  # a phone process stops trying after this
    replays: int = 40  # captured pushes replayed at the end


@dataclass
class Device:
    username: str
    job_id: int
    store_path: Path
    link: FlakyLink
    saved: set[str] = field(default_factory=set)


@dataclass
class JepsenWorld:
    usernames: list[str]
    job_ids: list[int]
    site_ids: list[int]
    depot_id: int
    dispatcher_id: int


@dataclass
class JepsenReport:
    plan: JepsenPlan
    entries: int = 0
    events_on_server: int = 0
    faults: Counter = field(default_factory=Counter)
    checks: dict[str, bool] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    #: Syncs the slowest phone needed, after healing, until its cache equalled a fresh full pull.
    syncs_to_converge: int = 0
    seconds: float = 0.0

    def check(self, name: str, holds: bool, detail: str = "") -> None:
        self.checks[name] = self.checks.get(name, True) and holds
        if not holds:
            self.details.append(f"{name}: {detail}")

    @property
    def failures(self) -> list[str]:
        return [name for name, holds in self.checks.items() if not holds]

    def summary(self) -> str:
        lines = [f"{self.plan.devices} devices x {self.plan.rounds} rounds x {self.plan.entries_per_round} entries, "
                 f"seed {self.plan.seed}: {self.entries} entries logged, {self.events_on_server} events on the "
                 f"server, {self.seconds:.1f} s; caches equal the server's after {self.syncs_to_converge} sync(s)",
                 "faults: " + ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))]
        lines += [f"  {'ok  ' if holds else 'FAIL'} {name}" for name, holds in self.checks.items()]
        return "\n".join(lines + self.details)


def build_world(session, devices: int) -> JepsenWorld:
    """An engineer with a job at a site of their own per device, the catalogue, a depot and a dispatcher."""
    dispatcher = make.user(session, "jepsen-dispatcher", Role.DISPATCHER)
    depot = make.facility(session, "JDP", name="Jepsen depot")
    make.part(session, "PRN-FUS-220")
    make.part(session, "PRN-RLR-KIT", serialised=False)
    usernames, job_ids, site_ids = [], [], []
    for i in range(devices):
        engineer = make.user(session, f"jepsen-eng-{i:02d}")
        site = make.site(session, f"Site {i:02d}", latitude=53.4 + i / 100)
        job = make.job(session, site, engineer, dispatcher)
        usernames.append(engineer.username)
        job_ids.append(job.id)
        site_ids.append(site.id)
    return JepsenWorld(usernames, job_ids, site_ids, depot.id, dispatcher.id)


def run(plan: JepsenPlan, server: ServerProcess, session, world: JepsenWorld, folder: Path,
        log=lambda message: None) -> JepsenReport:
    """Run the plan against a running server process on the database `session` reads; check the invariants."""
    started = time.monotonic()
    rng = random.Random(plan.seed)
    report = JepsenReport(plan)
    devices = _sign_in(plan, server, world, folder)
    try:
        for round_ in range(plan.rounds):
            log(f"round {round_ + 1}/{plan.rounds}")
            _round(plan, round_, rng, server, devices, world, folder, report)
            _dispatcher_moves(rng, session, world)
        log("healing, syncing every device once more")
        phones = _heal(server, devices)
        try:
            log("replaying captured pushes, checking")
            _replay(plan, rng, devices, report)
            _check(session, server, devices, phones, report)
        finally:
            for phone in phones:
                phone.close()
        report.faults.update(sum((d.link.faults for d in devices), Counter()))
    finally:
        for device in devices:
            device.link.close()
    report.seconds = time.monotonic() - started
    return report


def _sign_in(plan: JepsenPlan, server: ServerProcess, world: JepsenWorld, folder: Path) -> list[Device]:
    devices = []
    for i, (username, job_id) in enumerate(zip(world.usernames, world.job_ids)):
        link = FlakyLink(server.port)
        device = Device(username, job_id, folder / f"device-{i:02d}.db", link)
        phone = open_phone(device.store_path, link.url)
        phone.account.sign_in(link.url, username, make.PASSWORD)
        phone.engine.sync_once()
        phone.close()
        link.randomly(plan.seed * 1000 + i, plan.odds, delay_s=HELD_ANSWER_S)
        devices.append(device)
    return devices


def _round(plan, round_, rng, server, devices, world, folder, report) -> None:
    children = []
    for i, device in enumerate(devices):
        out = folder / f"device-{i:02d}-round-{round_}.out"
        argv = [sys.executable, str(CHILD), str(device.store_path), str(device.job_id), str(world.depot_id),
                str(plan.entries_per_round), str(40_000_000 + i * 100_000 + round_ * 1_000),
                str(plan.seed * 100 + round_ * 10 + i), str(plan.round_deadline_s)]
        with open(out, "w") as sink:
            child = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"})
        children.append((device, child, out))

    # The round's timeline: (seconds from now, what happens).
    timeline = []
    for device, child, _ in children:
        if rng.random() < plan.offline_share:
            at, length = rng.uniform(0.0, 3.0), rng.uniform(0.3, 2.0)
            timeline += [(at, "offline", device.link.down), (at + length, "online", device.link.up)]
        if rng.random() < plan.phone_kill_share:
            timeline.append((rng.uniform(0.3, 3.0), "phone_killed", lambda c=child: _kill(c)))
    if rng.random() < plan.server_kill_share:
        at = rng.uniform(0.5, 4.0)
        timeline += [(at, "server_killed", server.kill), (at + rng.uniform(0.2, 1.5), "server_restarted", server.start)]
    start = time.monotonic()
    for at, name, action in sorted(timeline, key=lambda step: step[0]):
        time.sleep(max(0.0, start + at - time.monotonic()))
        action()
        report.faults[name] += 1

    for device, child, out in children:
        try:
            child.wait(plan.round_deadline_s + 30)
        except subprocess.TimeoutExpired:
            _kill(child)
            report.check("phone processes stop by themselves", False, f"{device.username} did not")
        lines = out.read_text().splitlines()
        # Only whole lines were confirmed; a line cut by the kill was not.
        if lines and not out.read_text().endswith("\n"):
            lines = lines[:-1]
        device.saved.update(line.split()[1] for line in lines if line.startswith("saved "))
    if not server.running:
        server.start()


def _kill(child: subprocess.Popen) -> None:
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)


def _dispatcher_moves(rng: random.Random, session, world: JepsenWorld) -> None:
    """Between rounds, a dispatcher changes scopes: a job moves to another engineer (a tombstone for the one
    who had it), and someone gets a new job."""
    session.rollback()
    dispatcher = session.get(User, world.dispatcher_id)
    engineers = {u.username: u for u in session.scalars(sa.select(User).where(User.username.in_(world.usernames)))}
    job = session.get(Job, rng.choice(world.job_ids))
    others = [name for name in world.usernames if engineers[name].id != job.engineer_id]
    if others:
        jobs.update_job(session, job.id, {"engineer_id": engineers[rng.choice(others)].id}, dispatcher)
    i = rng.randrange(len(world.usernames))
    make.job(session, session.get(Site, world.site_ids[i]), engineers[world.usernames[i]], dispatcher,
             start=make.now() + timedelta(days=1), summary="Added mid-run")


def _heal(server: ServerProcess, devices: list[Device]) -> list:
    if not server.running:
        server.start()
    phones = []
    for device in devices:
        device.link.behave()
        device.link.up()
        phone = open_phone(device.store_path, device.link.url)
        for _ in range(CONVERGE_RUNS):
            status = phone.engine.sync_once()
            if status.state == SyncState.IDLE and status.waiting == 0:
                break
        phones.append(phone)
    return phones


def _replay(plan: JepsenPlan, rng: random.Random, devices: list[Device], report: JepsenReport) -> None:
    captured = [(device, raw) for device in devices for raw in device.link.captured_pushes]
    for device, raw in rng.sample(captured, min(plan.replays, len(captured))):
        status, body = device.link.replay(raw)
        report.faults["late_replay"] += 1
        statuses = {r["status"] for r in json.loads(body)["results"]} if status == 200 else {f"HTTP {status}"}
        report.check("late replays are all duplicates", statuses == {"duplicate"}, f"{device.username}: {statuses}")


def _check(session, server: ServerProcess, devices: list[Device], phones: list, report: JepsenReport) -> None:
    problems = half_written(session)
    report.check("no push half-applied", not problems, "; ".join(problems))
    for device, phone in zip(devices, phones):
        who = device.username
        entries = phone.store.entries()
        ids = [e.id for e in entries]
        report.entries += len(entries)
        report.check("every outbox is empty", phone.store.waiting_count() == 0,
                     f"{who}: {phone.store.waiting_count()} waiting, {phone.engine.status}")
        report.check("nothing refused", not phone.store.problems(),
                     f"{who}: {[(e.type, e.errors) for e in phone.store.problems()[:3]]}")
        report.check("every confirmed entry is in its store", device.saved <= set(ids),
                     f"{who}: {len(device.saved - set(ids))} lost")
        counts = count_by_id(session, ids)
        report.check("the server holds each entry exactly once", all(n == 1 for n in counts.values()),
                     f"{who}: {Counter(counts.values())}")
        stored = [str(e.id) for e in server_events(session, phone.store.device_id)]
        report.events_on_server += len(stored)
        report.check("the server holds nothing else from the device", sorted(stored) == sorted(ids),
                     f"{who}: {len(stored)} on the server, {len(ids)} on the phone")
        sequence = device_sequence(session, phone.store.device_id)
        report.check("no seq gap", sequence.missing_seqs == [] and sequence.highest_contiguous_seq == len(ids),
                     f"{who}: {sequence}")
        on_phone, on_server, syncs = converge(phone, server.url, who, make.PASSWORD)
        report.syncs_to_converge = max(report.syncs_to_converge, syncs)
        report.check("every cache equals its engineer's scope",
                     on_phone.counts == on_server.counts and on_phone.digest == on_server.digest,
                     f"{who}: {on_phone.counts} vs {on_server.counts}\n{on_phone.differences(on_server)}")
