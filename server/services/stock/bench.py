"""The refurbishment queue of each facility and its bench capacity: read-only views over the records.

An item joins its facility's queue when it is received there for
refurbishment and leaves it with its processing record (refurbished, or a
failed refurbishment decided again). The order and what fits a day are the
rule of server/logistics/bench.py; the hours a day has left are the
facility's weekday bench hours less the hours its processing records of that
day took.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Disposition, HolderKind, ReturnStatus, StockLocationKind
from common.stock import READY_GRADES
from server.logistics.bench import QueuedItem, QueueEntry, bench_hours_on, fits_today, order_queue
from server.models import Facility, ProcessingRecord, ReturnLine, StockTarget
from server.models.types import utcnow
from server.services.errors import NotFound
from server.services.settings import setting, site_today
from server.services.stock import ledger


@dataclass(frozen=True)
class QueueRow:
    line: ReturnLine
    age_days: float
    entry: QueueEntry
    fits_today: bool


@dataclass(frozen=True)
class BenchQueue:
    facility: Facility
    day: date
    capacity_hours: float
    hours_used: float
    rows: list[QueueRow]

    @property
    def hours_left(self) -> float:
        return max(0.0, self.capacity_hours - self.hours_used)

    @property
    def hours_queued(self) -> float:
        return round(sum(row.entry.item.hours for row in self.rows), 2)


def facility_queue(session: so.Session, facility_id: int, day: date | None = None) -> BenchQueue:
    """A facility's refurbishment queue in working order, and what fits the day's hours left (today by default)."""
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(f"No facility {facility_id}.")
    return _queue(session, facility, day or site_today())


def all_queues(session: so.Session, day: date | None = None) -> list[BenchQueue]:
    """The queue of every facility that has a bench or items waiting for one, by facility code."""
    day = day or site_today()
    waiting = set(session.scalars(_queued_lines().with_only_columns(ReturnLine.holder_id).distinct()))
    facilities = session.scalars(sa.select(Facility).where(
        sa.or_(Facility.bench_hours_per_weekday > 0, Facility.id.in_(waiting))).order_by(Facility.code))
    return [_queue(session, facility, day) for facility in facilities]


def fitting_today(session: so.Session, facility_id: int, day: date | None = None) -> list[ReturnLine]:
    """The queued lines the facility's bench can take on `day`, in queue order."""
    return [row.line for row in facility_queue(session, facility_id, day).rows if row.fits_today]


def hours_used_on(session: so.Session, facility_id: int, day: date) -> float:
    """Bench hours the facility's processing records of `day` took (days in the sites' time zone)."""
    return hours_used_by_day(session, day, day).get((facility_id, day), 0.0)


def hours_used_by_day(session: so.Session, first: date, last: date) -> dict[tuple[int, date], float]:
    """Bench hours the processing records took, by (facility, day) from `first` to `last` (sites' time zone)."""
    zone = ZoneInfo(setting("SITE_TIMEZONE"))
    starts = datetime.combine(first, time.min, tzinfo=zone)
    ends = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    used: dict[tuple[int, date], float] = {}
    for facility_id, at, hours in session.execute(
            sa.select(ProcessingRecord.facility_id, ProcessingRecord.at, ProcessingRecord.hours)
            .where(ProcessingRecord.at >= starts, ProcessingRecord.at < ends, ProcessingRecord.hours.is_not(None))):
        key = (facility_id, at.astimezone(zone).date())
        used[key] = round(used.get(key, 0.0) + hours, 2)
    return used


def _queued_lines() -> sa.Select:
    return sa.select(ReturnLine).where(
        ReturnLine.status == ReturnStatus.RECEIVED, ReturnLine.disposition == Disposition.REFURBISH,
        ReturnLine.holder_kind == HolderKind.FACILITY,
    )


def _queue(session: so.Session, facility: Facility, day: date) -> BenchQueue:
    lines = {line.id: line for line in session.scalars(
        _queued_lines().where(ReturnLine.holder_id == facility.id).options(so.joinedload(ReturnLine.part)))}
    part_ids = {line.part_number_id for line in lines.values()}
    ready, targets = _ready_stock(session, facility.id, part_ids), _targets(session, facility.id, part_ids)
    items = [
        QueuedItem(line.id, line.part.part_number, line.received_at, line.part.refurbishment_hours,
                   line.part.refurbishment_yield, ready.get(line.part_number_id, 0),
                   targets.get(line.part_number_id, 0), line.quantity)
        for line in lines.values()
    ]
    queue = order_queue(items)
    capacity, used = bench_hours_on(day, facility.bench_hours_per_weekday), hours_used_on(session, facility.id, day)
    fitting = {entry.item.line_id for entry in fits_today(queue, max(0.0, capacity - used))}
    now = utcnow()
    rows = [QueueRow(lines[entry.item.line_id], round((now - entry.item.received_at).total_seconds() / 86400, 1),
                     entry, entry.item.line_id in fitting) for entry in queue]
    return BenchQueue(facility, day, capacity, used, rows)


def _ready_stock(session, facility_id: int, part_ids: set[int]) -> dict[int, int]:
    location_id = ledger.existing_location_id(session, StockLocationKind.FACILITY, facility_id)
    if location_id is None or not part_ids:
        return {}
    ready: dict[int, int] = {}
    for row in ledger.balances(session, location_ids=[location_id], part_number_ids=part_ids, grades=READY_GRADES):
        ready[row.part_number_id] = ready.get(row.part_number_id, 0) + row.quantity
    return ready


def _targets(session, facility_id: int, part_ids: set[int]) -> dict[int, int]:
    if not part_ids:
        return {}
    return dict(session.execute(sa.select(StockTarget.part_number_id, StockTarget.quantity).where(
        StockTarget.facility_id == facility_id, StockTarget.part_number_id.in_(part_ids))).all())
