"""The figures of reverse logistics, computed from the data.

Recovery rate (items received / items removed), value recovered vs expected,
value at risk (unconfirmed lines) and written off,
cycle time from removal to receipt, open lines by age, courier kilometres
planned vs the one-trip-per-line baseline, and the CO2 of both.
"""

import statistics
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ReturnStatus
from server.logistics.states import CLOSED_RETURN_STATUSES
from server.models import CourierPlan, ReturnLine
from server.models.types import utcnow
from server.services.returns.period import Period
from server.services.settings import setting

AGE_BUCKETS = ((0, 2, "0–2 days"), (3, 7, "3–7 days"), (8, 14, "8–14 days"), (15, 30, "15–30 days"),
               (31, 10**6, "over 30 days"))


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
    }


def figures_by_day(session: so.Session, days: int, until: date | None = None) -> list[dict]:
    """One set of figures per day (lines removed that day), oldest first, for charts."""
    until = until or utcnow().date()
    return [{"day": day.isoformat(), **compute_figures(session, day, day)}
            for day in (until - timedelta(days=n) for n in range(days - 1, -1, -1))]
