"""Replays days of field activity over the demo data, through the real sync API.

Each simulated day: the dispatcher assigns jobs; engineers sign in, pull, log
what they remove, install and collect, and push — some as they go, some only
at the end of the day, as a phone without signal would; the engine decides
each line; engineers hand carried items over at their depot; couriers collect
the pickups planned for the day and facilities receive and process what
arrives; customers answer their pickup emails; in the evening the next day is
planned. The server clock (server/clock.py) is moved through the days.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask

from common.enums import (
    CustomerAnswer,
    Disposition,
    FailureCode,
    HolderKind,
    PickupStatus,
    ProcessingOutcome,
    ReturnStatus,
    Role,
)
from common.protocol import PROTOCOL_VERSION
from server import clock
from server.demo.seed import DEMO_PASSWORD, make_serial
from server.extensions import db
from server.models import Job, Pickup, ReturnLine, SerialisedItem, Site, User
from server.runner import EXTENSION, ManualRunner, run_due
from server.services import customer, figures, jobs, planning, receiving
from server.services.notices import pickup_link

OUTCOME_OF = {
    Disposition.REFURBISH: ProcessingOutcome.REFURBISHED,
    Disposition.REUSE: ProcessingOutcome.RESTOCKED,
    Disposition.RETURN_TO_VENDOR: ProcessingOutcome.CREDITED,
    Disposition.RECYCLE: ProcessingOutcome.RECYCLED,
    Disposition.SCRAP: ProcessingOutcome.SCRAPPED,
}
FAILURES = [FailureCode.NO_POWER, FailureCode.INTERMITTENT, FailureCode.MECHANICAL_WEAR, FailureCode.ELECTRICAL,
            FailureCode.FIRMWARE, FailureCode.WATER_DAMAGE, FailureCode.IMPACT_DAMAGE]
JOBS_PER_ENGINEER = (2, 3)
OFFLINE_SHARE = 0.3  # engineers who sync only at the end of the day


@dataclass
class SimulationResult:
    days: list[date]
    events_pushed: int = 0
    events_accepted: int = 0
    jobs_done: int = 0
    courier_km_planned: float = 0.0
    courier_km_naive: float = 0.0
    pickups_collected: int = 0
    line_wait_days: list[float] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def average_wait_days(self) -> float:
        return sum(self.line_wait_days) / len(self.line_wait_days) if self.line_wait_days else 0.0


class Phone:
    """An engineer's phone: signs in and pushes through the app's real HTTP stack."""

    def __init__(self, app: Flask, username: str):
        self.client = app.test_client()
        self.username = username
        self.device_id = f"sim-{username}"
        self.device_secret: str | None = None
        self.seq = 0
        self.headers: dict[str, str] = {}
        self.queue: list[dict] = []

    def sign_in(self) -> None:
        """Get a token, presenting the device secret the first sign-in was given."""
        r = self.client.post("/api/v1/auth/token", json={"username": self.username, "password": DEMO_PASSWORD,
                                                         "device_id": self.device_id,
                                                         "device_secret": self.device_secret})
        if r.status_code != 200:
            raise RuntimeError(f"{self.username} cannot sign in: {r.get_json()}")
        self.device_secret = r.get_json().get("device_secret", self.device_secret)
        self.headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    def log(self, kind: str, job_id: int | None, **payload) -> str:
        self.seq += 1
        event_id = str(uuid.uuid4())
        self.queue.append({"id": event_id, "seq": self.seq, "type": kind, "occurred_at": clock.now().isoformat(),
                           "job_id": job_id, "payload": payload})
        return event_id

    def sync(self) -> tuple[int, int]:
        pushed = accepted = 0
        while self.queue:
            batch, self.queue = self.queue[:200], self.queue[200:]
            r = self.client.post("/api/v1/sync/push", headers=self.headers, json={
                "protocol_version": PROTOCOL_VERSION, "device_id": self.device_id,
                "sent_at": clock.now().isoformat(), "events": batch})
            if r.status_code != 200:
                raise RuntimeError(f"Push refused with {r.status_code}: {r.get_json()}")
            results = r.get_json()["results"]
            pushed += len(batch)
            accepted += sum(x["status"] == "accepted" for x in results)
        return pushed, accepted


def simulate(app: Flask, days: int, seed: int = 7, start: date | None = None,
             progress: Callable[[str], None] = lambda _: None, step: Callable[[], None] = lambda: None,
             planner_seconds: float | None = None) -> SimulationResult:
    """Run `days` weekdays of activity from `start` (default: the next weekday)."""
    rng = random.Random(seed)
    app.extensions[EXTENSION] = ManualRunner(app)  # tasks run when the simulation says, in order
    zone = ZoneInfo(app.config["SITE_TIMEZONE"])
    day = start or _weekday_after(datetime.now(zone).date())
    result = SimulationResult(days=[])
    try:
        with app.app_context():
            session = db.session
            engineers = session.scalars(sa.select(User).where(User.role == Role.ENGINEER).order_by(User.id)).all()
            dispatcher = session.scalar(sa.select(User).where(User.role == Role.DISPATCHER).order_by(User.id))
            phones: dict[int, Phone] = {}
            for _ in range(days):
                result.days.append(day)
                progress(f"{day:%a %d %b}")
                _morning(app, session, day, zone, result, rng)
                clock.shift_to(_at(day, 7, zone))
                for engineer in engineers:  # a new day's token, on the same phone
                    phones.setdefault(engineer.id, Phone(app, engineer.username)).sign_in()
                _field_day(app, session, day, zone, engineers, dispatcher, phones, result, rng)
                _evening(app, session, day, zone, dispatcher, result, rng, planner_seconds)
                step()
                day = _weekday_after(day)
            clock.shift_to(_at(day, 8, zone))
            result.figures = figures.compute_figures(session, since=result.days[0])
    finally:
        clock.reset()
    return result


def _weekday_after(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: float, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=hour)


def _morning(app, session: so.Session, day: date, zone, result: SimulationResult, rng: random.Random) -> None:
    """Couriers collect today's pickups; facilities receive and process what arrived."""
    clock.shift_to(_at(day, 8, zone))
    for line in session.scalars(sa.select(ReturnLine).where(ReturnLine.status == ReturnStatus.RECEIVED)).all():
        if rng.random() < 0.7:
            _process(session, line, rng)
    for line in session.scalars(sa.select(ReturnLine).where(
            ReturnLine.status.in_([ReturnStatus.DELIVERED, ReturnStatus.IN_TRANSIT]))).all():
        facility_id = line.holder_id if line.holder_kind == HolderKind.FACILITY else line.destination_facility_id
        receiving.receive_item(session, facility_id, by=None, return_line_id=line.id)
    clock.shift_to(_at(day, 12, zone))
    for pickup in session.scalars(sa.select(Pickup).where(Pickup.status == PickupStatus.SCHEDULED,
                                                          Pickup.planned_date == day)).all():
        waited = [(clock.now() - line.removed_at).total_seconds() / 86400 for line in pickup.lines]
        receiving.collect_pickup(session, pickup.id, None)
        result.pickups_collected += 1
        result.line_wait_days.extend(waited)
    run_due(app)


def _process(session, line: ReturnLine, rng: random.Random) -> None:
    outcome = OUTCOME_OF[line.disposition or Disposition.RECYCLE]
    value = None
    if outcome in (ProcessingOutcome.REFURBISHED, ProcessingOutcome.CREDITED) and line.expected_value is not None:
        value = (line.expected_value * Decimal(str(rng.uniform(0.75, 1.1)))).quantize(Decimal("0.01"))
    receiving.record_outcome(session, line.id, outcome, None, recovered_value=value)


def _field_day(app, session, day, zone, engineers, dispatcher, phones, result, rng) -> None:
    sites = session.scalars(sa.select(Site).order_by(Site.id)).all()
    rng.shuffle(sites)
    site_cycle = iter(sites * 3)
    for engineer in engineers:
        offline = rng.random() < OFFLINE_SHARE
        phone = phones[engineer.id]
        hour = 8.5
        for _ in range(rng.randint(*JOBS_PER_ENGINEER)):
            site = next(site_cycle)
            job = _assign_job(session, site, engineer, dispatcher, day, hour, zone, rng)
            if job is None:
                continue
            clock.shift_to(_at(day, hour + 0.5, zone))
            _work(session, phone, job, rng)
            if not offline:
                _count(result, phone.sync())
                run_due(app)  # the engine decides while the engineer is still on site
            clock.shift_to(_at(day, hour + 1.5, zone))
            phone.log("job_completed", job.id, notes="Done.", customer_signoff_name=site.contact_name)
            if not offline:
                _count(result, phone.sync())
            result.jobs_done += 1
            hour += 2.5
        clock.shift_to(_at(day, 17, zone))
        _count(result, phone.sync())
        run_due(app)
        _hand_over(session, phone, engineer)
        _count(result, phone.sync())
    run_due(app)


def _count(result: SimulationResult, pushed_accepted: tuple[int, int]) -> None:
    result.events_pushed += pushed_accepted[0]
    result.events_accepted += pushed_accepted[1]


def _assign_job(session, site, engineer, dispatcher, day, hour, zone, rng) -> Job | None:
    items = session.scalars(sa.select(SerialisedItem).where(SerialisedItem.site_id == site.id,
                                                            SerialisedItem.status == "installed")).all()
    if not items:
        return None
    item = rng.choice(items)
    action = "collect" if rng.random() < 0.2 else "replace"
    start = _at(day, hour, zone)
    return jobs.create_job(session, jobs.JobDraft(
        site_id=site.id, engineer_id=engineer.id, window_start=start, window_end=start + timedelta(hours=2),
        summary=f"{'Collect' if action == 'collect' else 'Replace'} {item.part.description.lower()}",
        expected_parts=[{"part_number": item.part.part_number, "quantity": 1, "action": action,
                         "serial": item.serial}],
    ), dispatcher)


def _work(session, phone: Phone, job: Job, rng: random.Random) -> None:
    expected = job.expected_parts[0]
    part_number, serial = expected["part_number"], expected["serial"]
    if expected["action"] == "collect":
        phone.log("equipment_collected", job.id, part_number=part_number, serial=serial,
                  condition=rng.choice(["working", "working", "unknown"]))
        return
    faulty = rng.random() < 0.85
    payload = {"part_number": part_number, "serial": serial, "condition": "faulty" if faulty else "working"}
    if faulty:
        payload["failure_code"] = rng.choice(FAILURES).value
    phone.log("part_removed", job.id, **payload)
    vendor = session.scalar(sa.select(SerialisedItem).where(SerialisedItem.serial == serial)).part.vendor
    phone.log("part_installed", job.id, part_number=part_number, serial=make_serial(rng, vendor))


def _hand_over(session, phone: Phone, engineer: User) -> None:
    """At the end of the day the engineer drops what they carry at their depot."""
    session.rollback()
    carried = session.scalars(sa.select(ReturnLine.id).where(
        ReturnLine.holder_kind == HolderKind.ENGINEER, ReturnLine.holder_id == engineer.id,
        ReturnLine.status.in_([ReturnStatus.WITH_ENGINEER, ReturnStatus.AWAITING_DISPOSITION]))).all()
    for line_id in carried:
        phone.log("return_handed_over", None, return_line_id=str(line_id), facility_id=engineer.home_facility_id)


def _evening(app, session, day, zone, dispatcher, result, rng, planner_seconds) -> None:
    """Plan tomorrow, send the emails, and let some customers answer."""
    clock.shift_to(_at(day, 18, zone))
    plan = planning.plan_day(session, _weekday_after(day), dispatcher, planner_seconds)
    result.courier_km_planned += plan.total_distance_km
    result.courier_km_naive += plan.naive_distance_km
    run_due(app)
    clock.shift_to(_at(day, 20, zone))
    for pickup in session.scalars(sa.select(Pickup).where(Pickup.status == PickupStatus.SCHEDULED,
                                                          Pickup.planned_date == _weekday_after(day))).all():
        token = pickup_link(pickup).rsplit("/", 1)[1]
        roll = rng.random()
        if roll < 0.7:
            customer.answer_pickup(session, token, CustomerAnswer.CONFIRMED)
        elif roll < 0.8:
            customer.answer_pickup(session, token, CustomerAnswer.ANOTHER_DAY,
                                   _weekday_after(_weekday_after(pickup.planned_date)))
    run_due(app)
