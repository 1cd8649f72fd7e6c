"""Replays days of field activity over the demo data, through the real sync API.

Each simulated day: replacements reserved for the day's jobs (booked the
evening before, which reserves them) are delivered to the depot or the site;
engineers sign in, pull, log what they remove, install (from the van, the depot
or the site, as reserved) and collect, and push — some as they go, some only
at the end of the day, as a phone without signal would; a job whose
replacement nothing could serve is put off; the engine decides each line;
engineers hand carried items over at their depot; couriers collect the
pickups planned for the day and facilities receive what arrives; each
refurbishment bench takes what fits its hours, in queue order, and the rest is
processed; customers answer their pickup emails; in the evening the next day's
jobs are booked and its rounds planned. The server clock (server/clock.py) is
moved through the days.

It simulates the past only: the days end today, and today only up to the moment
the simulation started (a job whose visit is not over by then stays planned, the
evening's planning of the next day happens now). So nothing it writes is dated
in the future but what is genuinely ahead: planned pickups and open jobs.
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
    JobStatus,
    PickupStatus,
    ProcessingOutcome,
    ReservationStatus,
    ReturnStatus,
    Role,
)
from common.protocol import PROTOCOL_VERSION
from server import clock
from server.demo import closed_loop, data
from server.demo.seed import DEMO_PASSWORD, make_serial, weekday_after
from server.extensions import db
from server.database import begin_write
from server.models import CourierPlan, Device, Job, Pickup, ReturnLine, SerialisedItem, Site, User
from server.runner import EXTENSION, ManualRunner, run_due
from server.services.returns import chasing, figures, receiving
from server.services.planning import customer, plan_runs
from server.services.stock import reservations
from server.services.work import jobs
from server.services.notifications.notices import pickup_link

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
KEPT_IN_VAN_SHARE = 0.03  # carried lines an engineer forgets to hand over until the chasing reminds them
LEFT_AT_SITE_SHARE = 0.03  # swaps whose old unit the customer keeps: nobody logs its removal (value at risk)
LEFT_AT_SITE_REASON = "The customer keeps the old unit until their contract review"
DEVICE_PREFIX = "sim-"


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
    #: Jobs put off because no replacement could be reserved for them.
    jobs_put_off: int = 0
    deliveries_arrived: int = 0
    #: New units bought in for shortages (they arrive closed_loop.PURCHASE_LEAD_DAYS weekdays later).
    units_bought: int = 0
    refurbished: int = 0
    refurbishments_failed: int = 0
    #: Per simulated day, at its end: units in the ledger by grade, and the refurbishment queue.
    stock_by_day: list[tuple[date, dict[str, int]]] = field(default_factory=list)
    queue_by_day: list[tuple[date, int]] = field(default_factory=list)
    #: (received, removed) of the lines removed at least 7 days before the end.
    settled_lines: tuple[int, int] = (0, 0)
    shortages_open: int = 0

    @property
    def average_wait_days(self) -> float:
        return sum(self.line_wait_days) / len(self.line_wait_days) if self.line_wait_days else 0.0


class Phone:
    """An engineer's phone: signs in and pushes through the app's real HTTP stack."""

    def __init__(self, app: Flask, username: str, seq: int = 0):
        self.client = app.test_client()
        self.username = username
        self.device_id = f"{DEVICE_PREFIX}{username}"
        self.device_secret: str | None = None
        self.seq = seq
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


def simulated_days(days: int, today: date, start: date | None = None) -> list[date]:
    """The `days` weekdays to simulate: the last ones up to `today`, or the first ones from `start`.

    Raises ValueError when they would reach past `today`: the simulation never runs into the future.
    """
    if start is None:
        out, day = [], today
        while len(out) < days:
            if day.weekday() < 5:
                out.append(day)
            day -= timedelta(days=1)
        return out[::-1]
    out, day = [], start if start.weekday() < 5 else weekday_after(start)
    while len(out) < days:
        out.append(day)
        day = weekday_after(day)
    if out[-1] > today:
        raise ValueError(f"{days} weekdays from {start:%a %d %b %Y} run to {out[-1]:%a %d %b %Y}, after today: "
                         "choose fewer days or an earlier start.")
    return out


def days_to_simulate(app: Flask, days: int, start: date | None = None) -> list[date]:
    """`simulated_days` up to today where the sites are."""
    return simulated_days(days, clock.now().astimezone(ZoneInfo(app.config["SITE_TIMEZONE"])).date(), start)


def simulate(app: Flask, days: int, seed: int = 7, start: date | None = None,
             progress: Callable[[str], None] = lambda _: None, step: Callable[[], None] = lambda: None,
             planner_seconds: float | None = None) -> SimulationResult:
    """Run `days` weekdays of activity up to now (or from `start`, up to now at the latest)."""
    rng = random.Random(seed)
    app.extensions[EXTENSION] = ManualRunner(app)  # tasks run when the simulation says, in order
    zone = ZoneInfo(app.config["SITE_TIMEZONE"])
    until = clock.now()
    result = SimulationResult(days=days_to_simulate(app, days, start))
    # Each phone signs in once and stays signed in through the simulated days: a sign-in a day
    # would spend most of the run checking the demo password.
    token_ttl_s = app.config["TOKEN_TTL_SECONDS"]
    app.config["TOKEN_TTL_SECONDS"] = int((until - _at(result.days[0], 0, zone)).total_seconds()) + 86400
    try:
        with app.app_context():
            session = db.session
            engineers = session.scalars(sa.select(User).where(User.role == Role.ENGINEER).order_by(User.id)).all()
            dispatcher = session.scalar(sa.select(User).where(User.role == Role.DISPATCHER).order_by(User.id))
            # A phone of an earlier simulation goes on with its own numbering.
            seqs = dict(session.execute(sa.select(Device.user_id, Device.highest_seq_seen)
                                        .where(Device.device_uid.startswith(DEVICE_PREFIX))).all())
            kept_in_van = KeptInVan()
            phones: dict[int, Phone] = {}
            _shift(_at(result.days[0], 6.5, zone), until)
            booked = _book(session, result.days[0], zone, engineers, dispatcher, rng)
            purchasing = closed_loop.Purchasing(data.NEW_STOCK_DEPOT)
            for day in result.days:
                progress(f"{day:%a %d %b}")
                _shift(_at(day, 7, zone), until)
                purchasing.receive_due(session, day, dispatcher)
                reservations.retry_shortages_now(session)
                result.deliveries_arrived += closed_loop.deliver_due(session, _at(day, 24, zone), dispatcher)
                _morning(app, session, day, zone, result, rng, until)
                _shift(_at(day, 7, zone), until)
                for engineer in engineers:  # signed in once, on the first morning
                    if engineer.id not in phones:
                        phones[engineer.id] = Phone(app, engineer.username, seqs.get(engineer.id, 0))
                        phones[engineer.id].sign_in()
                _field_day(app, session, day, zone, engineers, dispatcher, phones, booked, result, rng, until,
                           kept_in_van)
                booked = _evening(app, session, day, zone, engineers, dispatcher, result, rng, planner_seconds, until)
                arrival = day
                for _ in range(closed_loop.PURCHASE_LEAD_DAYS):
                    arrival = weekday_after(arrival)
                purchasing.order_for_shortages(session, arrival)
                result.stock_by_day.append((day, closed_loop.stock_by_grade(session)))
                result.queue_by_day.append((day, closed_loop.queue_length(session)))
                step()
            clock.shift_to(until)
            result.figures = figures.compute_figures(session, since=result.days[0])
            result.settled_lines = closed_loop.recovery_of_settled_lines(session, result.days[0], until)
            result.shortages_open = closed_loop.short_now(session)
            result.units_bought = purchasing.units_bought
    finally:
        app.config["TOKEN_TTL_SECONDS"] = token_ttl_s
        clock.reset()
    return result


def _at(day: date, hour: float, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=hour)


def _shift(moment: datetime, until: datetime) -> None:
    """Move the clock to `moment`, or to `until` if that comes first."""
    clock.shift_to(min(moment, until))


def _morning(app, session: so.Session, day: date, zone, result: SimulationResult, rng: random.Random,
             until: datetime) -> None:
    """Facilities process, receive what arrived and refurbish what fits; at noon couriers collect the day's pickups."""
    if _at(day, 8, zone) > until:
        return
    clock.shift_to(_at(day, 8, zone))
    # What the chasing tasks' morning runs (server/tasks.py) do: flag the lines now late, take the next steps.
    begin_write(session)
    chasing.chase_overdue(session, app.config["OVERDUE_PICKUP_DAYS"], app.config["OVERDUE_RECEIVE_DAYS"])
    chasing.escalate(session, app.extensions["fieldloop.policy"].chasing)
    session.commit()
    # What is not for a bench (or whose refurbishment failed and was decided again) is processed as it comes.
    for line in session.scalars(sa.select(ReturnLine).where(ReturnLine.status == ReturnStatus.RECEIVED,
                                                            ReturnLine.disposition != Disposition.REFURBISH)).all():
        if rng.random() < 0.7:
            _process(session, line, rng)
    # A depot forwards what was dropped there overnight: items are received where they were sent.
    for line in session.scalars(sa.select(ReturnLine).where(
            ReturnLine.status.in_([ReturnStatus.DELIVERED, ReturnStatus.IN_TRANSIT]))).all():
        receiving.receive_item(session, line.destination_facility_id or line.holder_id, by=None,
                               return_line_id=line.id)
    bench_day = closed_loop.run_benches(session, day, rng)
    result.refurbished += bench_day.refurbished
    result.refurbishments_failed += bench_day.failed
    if _at(day, 12, zone) <= until:
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
    evidence = {}
    if outcome == ProcessingOutcome.RECYCLED:
        evidence = {"weight_kg": line.part.weight_kg * line.quantity, "certificate_number": f"WEEE-{line.id.hex[:8]}"}
    if outcome == ProcessingOutcome.CREDITED:
        evidence = {"rma_number": f"RMA-{line.id.hex[:8]}", "credit": value or line.expected_value or Decimal("0")}
    receiving.record_outcome(session, line.id, receiving.Processing(outcome, recovered_value=value, **evidence), None)


def _book(session, day, zone, engineers, dispatcher, rng) -> dict[int, list[tuple[Job, float]]]:
    """The dispatcher books `day`'s jobs (which reserves their replacements): each engineer's, with its hour."""
    sites = session.scalars(sa.select(Site).order_by(Site.id)).all()
    rng.shuffle(sites)
    site_cycle = iter(sites * 3)
    booked: dict[int, list[tuple[Job, float]]] = {}
    for engineer in engineers:
        hour, booked[engineer.id] = 8.5, []
        for _ in range(rng.randint(*JOBS_PER_ENGINEER)):
            job = _assign_job(session, next(site_cycle), engineer, dispatcher, day, hour, zone, rng)
            if job is not None:
                booked[engineer.id].append((job, hour))
            hour += 2.5
    return booked


def _field_day(app, session, day, zone, engineers, dispatcher, phones, booked, result, rng, until,
               kept_in_van) -> None:
    """Each engineer's booked jobs of the day; a job whose visit is not over by `until` stays planned."""
    for engineer in engineers:
        offline = rng.random() < OFFLINE_SHARE
        phone = phones[engineer.id]
        for job, hour in booked.get(engineer.id, []):
            if _at(day, hour + 1.5, zone) > until:
                continue
            clock.shift_to(_at(day, hour + 0.5, zone))
            not_returned = _work(session, phone, job, rng)
            if not_returned is None:
                jobs.update_job(session, job.id, {"status": JobStatus.CANCELLED}, dispatcher)
                result.jobs_put_off += 1
                continue
            if not offline:
                _count(result, phone.sync())
                run_due(app)  # the engine decides while the engineer is still on site
            clock.shift_to(_at(day, hour + 1.5, zone))
            completion = {"notes": "Done.", "customer_signoff_name": job.site.contact_name}
            if not_returned:
                completion["not_returned"] = not_returned
            phone.log("job_completed", job.id, **completion)
            if not offline:
                _count(result, phone.sync())
            result.jobs_done += 1
        _shift(_at(day, 17, zone), until)
        _count(result, phone.sync())
        run_due(app)
        if _at(day, 17, zone) <= until:
            _hand_over(session, phone, engineer, rng, kept_in_van)
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


def _work(session, phone: Phone, job: Job, rng: random.Random) -> list[dict] | None:
    """Log the visit's work and say which expected parts stay behind, and why; None: the job is put off.

    A swap is put off when nothing could serve its replacement.
    """
    expected = job.expected_parts[0]
    part_number, serial = expected["part_number"], expected["serial"]
    if expected["action"] == "collect":
        phone.log("equipment_collected", job.id, part_number=part_number, serial=serial,
                  condition=rng.choice(["working", "working", "unknown"]))
        return []
    session.rollback()
    reservation = next(iter(reservations.active_reservations(session, job.id)), None)
    if reservation is not None and reservation.status == ReservationStatus.SHORT:
        return None
    vendor = session.scalar(sa.select(SerialisedItem).where(SerialisedItem.serial == serial)).part.vendor
    installed = {"part_number": part_number, "serial": make_serial(rng, vendor)}
    if reservation is not None:
        installed.update(grade=reservation.grade.value, reservation_id=reservation.id)
    if rng.random() < LEFT_AT_SITE_SHARE:
        phone.log("part_installed", job.id, **installed)
        return [{"part_number": part_number, "reason": LEFT_AT_SITE_REASON}]
    faulty = rng.random() < 0.85
    payload = {"part_number": part_number, "serial": serial, "condition": "faulty" if faulty else "working"}
    if faulty:
        payload["failure_code"] = rng.choice(FAILURES).value
    installed["replaces"] = phone.log("part_removed", job.id, **payload)
    phone.log("part_installed", job.id, **installed)
    return []


@dataclass
class KeptInVan:
    """Carried lines an engineer did not hand over.

    The first line carried in the whole run is never handed over: it stays lost
    in a van, so the chasing has one line to follow through its steps to the
    write-off. The others come back once the engineer is reminded.
    """
    forgotten: set = field(default_factory=set)
    lost: uuid.UUID | None = None

    def keeps(self, line_id: uuid.UUID, reminded: str | None, rng: random.Random) -> bool:
        if self.lost is None:
            self.lost = line_id
        if line_id == self.lost:
            return True
        if reminded is None and (line_id in self.forgotten or rng.random() < KEPT_IN_VAN_SHARE):
            self.forgotten.add(line_id)
            return True
        self.forgotten.discard(line_id)
        return False


def _hand_over(session, phone: Phone, engineer: User, rng: random.Random, kept_in_van: KeptInVan) -> None:
    """At the end of the day the engineer drops what they carry at their depot, unless they keep it."""
    session.rollback()
    carried = session.execute(sa.select(ReturnLine.id, ReturnLine.escalation_step).where(
        ReturnLine.holder_kind == HolderKind.ENGINEER, ReturnLine.holder_id == engineer.id,
        ReturnLine.status.in_([ReturnStatus.WITH_ENGINEER, ReturnStatus.AWAITING_DISPOSITION]))
        .order_by(ReturnLine.removed_at, ReturnLine.id)).all()
    for line_id, reminded in carried:
        if not kept_in_van.keeps(line_id, reminded, rng):
            phone.log("return_handed_over", None, return_line_id=str(line_id),
                      facility_id=engineer.home_facility_id)


def _plan(app, session, day: date, dispatcher: User, seconds: float) -> CourierPlan | None:
    """Plan `day` as the evening task does: through a background run, joining one a customer's answer asked for."""
    begin_write(session)
    plan_runs.queue_plan(session, day, dispatcher, seconds)
    session.commit()
    run_due(app)
    session.rollback()
    return plan_runs.latest_run(session, day).plan


def _evening(app, session, day, zone, engineers, dispatcher, result, rng, planner_seconds, until
             ) -> dict[int, list[tuple[Job, float]]]:
    """Book the next simulated weekday's jobs, plan its rounds, send the emails, and let some customers answer."""
    booked = {}
    if weekday_after(day) in result.days:
        _shift(_at(day, 17.5, zone), until)
        booked = _book(session, weekday_after(day), zone, engineers, dispatcher, rng)
    _shift(_at(day, 18, zone), until)
    plan = _plan(app, session, weekday_after(day), dispatcher, planner_seconds)
    if plan is not None:
        result.courier_km_planned += plan.total_distance_km
        result.courier_km_naive += plan.naive_distance_km
    _shift(_at(day, 20, zone), until)
    for pickup in session.scalars(sa.select(Pickup).where(Pickup.status == PickupStatus.SCHEDULED,
                                                          Pickup.planned_date == weekday_after(day))).all():
        token = pickup_link(pickup).rsplit("/", 1)[1]
        roll = rng.random()
        if roll < 0.65:
            customer.answer_pickup(session, token, CustomerAnswer.CONFIRMED)
        elif roll < 0.75:
            customer.answer_pickup(session, token, CustomerAnswer.ANOTHER_DAY,
                                   weekday_after(weekday_after(pickup.planned_date)))
        elif roll < 0.8:
            customer.answer_pickup(session, token, CustomerAnswer.NOT_READY)
    run_due(app)
    return booked
