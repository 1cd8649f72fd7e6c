"""The figures of reverse logistics, computed from the data.

Recovery rate (items received / items removed), value recovered vs expected,
value at risk (unconfirmed lines) and written off,
cycle time from removal to receipt, open lines by age, courier kilometres
planned vs the one-trip-per-line baseline, and the CO2 of both. Closing the
loop: the CO2e the dispositions avoid, the share of lines at each level of the
waste hierarchy, the circularity rate of installs, and the refurbishment
benches (queues, hours used per day, yield per part number).
"""

import statistics
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Disposition, MovementKind, ProcessingOutcome, ReturnStatus, StockGrade
from server.logistics.bench import bench_hours_on
from server.logistics.states import CLOSED_RETURN_STATUSES
from server.models import CourierPlan, Facility, PartNumber, ProcessingRecord, ReturnLine, StockMovement
from server.models.types import utcnow
from server.services.returns.period import Period
from server.services.settings import setting, site_today
from server.services.stock import bench

AGE_BUCKETS = ((0, 2, "0–2 days"), (3, 7, "3–7 days"), (8, 14, "8–14 days"), (15, 30, "15–30 days"),
               (31, 10**6, "over 30 days"))

#: The waste hierarchy, most circular first: the level of each disposition.
HIERARCHY = {Disposition.REUSE: "reuse", Disposition.REFURBISH: "refurbish",
             Disposition.RETURN_TO_VENDOR: "return to vendor", Disposition.RECYCLE: "recycle",
             Disposition.SCRAP: "dispose"}
#: Installs served by these grades count as circular (a reused unit is restocked as refurbished).
CIRCULAR_GRADES = (StockGrade.REFURBISHED,)
#: The bench hours per day cover at most this many days, the last of the period.
BENCH_DAYS_MAX = 366


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def compute_figures(session: so.Session, since: date | None = None, until: date | None = None) -> dict:
    """Figures over lines removed from `since` to `until` (inclusive; all time by default).

    Raises Invalid for a period out of reach (server/services/returns/period.py).
    """
    now = utcnow()
    period = Period(since, until)
    where = []
    if since:
        where.append(ReturnLine.removed_at >= period.starts_at)
    if until:
        where.append(ReturnLine.removed_at < period.ends_before)
    rows = session.execute(
        sa.select(ReturnLine.status, ReturnLine.removed_at, ReturnLine.received_at, ReturnLine.expected_value,
                  ReturnLine.recovered_value, ReturnLine.written_off_value).where(*where)
    ).all()
    removed = len(rows)
    received = [r for r in rows if r.received_at is not None]
    processed = [r for r in rows if r.status == ReturnStatus.PROCESSED]
    cycle_days = [(r.received_at - r.removed_at).total_seconds() / 86400 for r in received]
    open_ages = [(now - r.removed_at).days for r in rows
                 if r.received_at is None and r.status not in CLOSED_RETURN_STATUSES]

    plans = sa.select(sa.func.coalesce(sa.func.sum(CourierPlan.total_distance_km), 0),
                      sa.func.coalesce(sa.func.sum(CourierPlan.naive_distance_km), 0)).where(CourierPlan.active)
    if since:
        plans = plans.where(CourierPlan.plan_date >= since)
    if until:
        plans = plans.where(CourierPlan.plan_date <= until)
    km_planned, km_naive = (float(x) for x in session.execute(plans).one())
    co2 = setting("CO2_KG_PER_KM")
    return {
        "lines_removed": removed,
        "lines_received": len(received),
        "recovery_rate": round(len(received) / removed, 4) if removed else None,
        "value_recovered": round(sum(float(r.recovered_value or 0) for r in processed), 2),
        "value_expected": round(sum(float(r.expected_value or 0) for r in processed), 2),
        "value_expected_open": round(sum(float(r.expected_value or 0) for r in rows
                                         if r.status not in CLOSED_RETURN_STATUSES), 2),
        # Leak control: what jobs expected back and nobody confirmed, and what the chasing wrote off.
        "value_at_risk": round(sum(float(r.expected_value or 0) for r in rows
                                   if r.status == ReturnStatus.UNCONFIRMED), 2),
        "value_written_off": round(sum(float(r.written_off_value or 0) for r in rows), 2),
        "cycle_time_median_days": round(statistics.median(cycle_days), 2) if cycle_days else None,
        "cycle_time_p90_days": round(_percentile(cycle_days, 0.9), 2) if cycle_days else None,
        "open_by_age": {label: sum(lo <= age <= hi for age in open_ages) for lo, hi, label in AGE_BUCKETS},
        "courier_km_planned": round(km_planned, 1),
        "courier_km_naive": round(km_naive, 1),
        "co2_kg_planned": round(km_planned * co2, 1),
        "co2_kg_naive": round(km_naive * co2, 1),
        **_circular_figures(session, where, period),
    }


def _circular_figures(session: so.Session, where: list, period: Period) -> dict:
    """CO2e avoided and hierarchy levels of the lines decided (not written off); circularity of the installs."""
    decided = session.execute(
        sa.select(ReturnLine.disposition, ReturnLine.co2e_avoided_kg)
        .where(*where, ReturnLine.disposition.is_not(None), ReturnLine.status != ReturnStatus.WRITTEN_OFF)
    ).all()
    avoided = [r.co2e_avoided_kg for r in decided if r.co2e_avoided_kg is not None]
    levels = Counter(HIERARCHY[r.disposition] for r in decided)
    installs = sa.select(StockMovement.from_grade, sa.func.sum(StockMovement.quantity)).where(
        StockMovement.kind == MovementKind.INSTALL).group_by(StockMovement.from_grade)
    if period.since:
        installs = installs.where(StockMovement.occurred_at >= period.starts_at)
    if period.until:
        installs = installs.where(StockMovement.occurred_at < period.ends_before)
    by_grade = {grade: int(n) for grade, n in session.execute(installs)}
    installed = sum(by_grade.values())
    circular = sum(by_grade.get(grade, 0) for grade in CIRCULAR_GRADES)
    return {
        "co2e_avoided_kg": round(sum(avoided), 1),
        "co2e_avoided_kg_per_line": round(sum(avoided) / len(avoided), 2) if avoided else None,
        "lines_by_hierarchy": {level: levels[level] for level in HIERARCHY.values()},
        "installs": installed,
        "installs_circular": circular,
        "circularity_rate": round(circular / installed, 4) if installed else None,
    }


def bench_figures(session: so.Session, since: date | None = None, until: date | None = None) -> dict:
    """The refurbishment benches: each queue now, hours used per day of the period, and yield per part number.

    Hours per day cover the period's last `BENCH_DAYS_MAX` days (the last 30
    days when it has no start); yield counts the period's refurbishment
    attempts (refurbished / refurbished + failed).
    """
    period = Period(since, until)
    last = until or site_today()
    first = max(since or last - timedelta(days=29), last - timedelta(days=BENCH_DAYS_MAX - 1))
    queues = bench.all_queues(session, last)
    benches = session.scalars(sa.select(Facility).where(Facility.bench_hours_per_weekday > 0)
                              .order_by(Facility.code)).all()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    used = bench.hours_used_by_day(session, first, last)
    attempts = sa.select(PartNumber.part_number, ProcessingRecord.outcome, sa.func.count()).join(
        ReturnLine, ReturnLine.id == ProcessingRecord.return_line_id).join(PartNumber).where(
        ProcessingRecord.outcome.in_([ProcessingOutcome.REFURBISHED, ProcessingOutcome.REFURBISH_FAILED])
    ).group_by(PartNumber.part_number, ProcessingRecord.outcome)
    if since:
        attempts = attempts.where(ProcessingRecord.at >= period.starts_at)
    if until:
        attempts = attempts.where(ProcessingRecord.at < period.ends_before)
    tries: dict[str, Counter] = {}
    for part_number, outcome, n in session.execute(attempts):
        tries.setdefault(part_number, Counter())[outcome] += n
    return {
        "queues": [{
            "facility_id": q.facility.id, "facility": q.facility.name, "queue_length": len(q.rows),
            "hours_queued": q.hours_queued,
            "oldest_days": max((row.age_days for row in q.rows), default=None),
            "mean_age_days": round(statistics.fmean(row.age_days for row in q.rows), 1) if q.rows else None,
        } for q in queues],
        "hours_by_day": [{
            "day": day.isoformat(), "facility_id": f.id, "facility": f.name,
            "capacity_hours": bench_hours_on(day, f.bench_hours_per_weekday),
            "hours_used": used.get((f.id, day), 0.0),
        } for f in benches for day in days],
        "yield_by_part": [{
            "part_number": part_number, "refurbished": n[ProcessingOutcome.REFURBISHED],
            "failed": n[ProcessingOutcome.REFURBISH_FAILED],
            "yield": round(n[ProcessingOutcome.REFURBISHED] / sum(n.values()), 4),
        } for part_number, n in sorted(tries.items())],
    }


def figures_by_day(session: so.Session, days: int, until: date | None = None) -> list[dict]:
    """One set of figures per day (lines removed that day), oldest first, for charts."""
    until = until or utcnow().date()
    return [{"day": day.isoformat(), **compute_figures(session, day, day)}
            for day in (until - timedelta(days=n) for n in range(days - 1, -1, -1))]
