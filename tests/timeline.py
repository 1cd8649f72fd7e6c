"""What may be dated ahead of now in the database, and `dated_after`, which finds anything else that is."""

from datetime import date, datetime

import sqlalchemy as sa

from server.extensions import db
from server.models.types import UtcDateTime

#: What may lie ahead: windows and days planned, deadlines, tokens' expiry, tasks waiting for their time.
MAY_BE_AHEAD = {
    "background_tasks.run_after", "jobs.window_start", "jobs.window_end", "pickups.not_before",
    "pickups.planned_date", "pickups.requested_date", "pickups.window_start", "pickups.window_end",
    "api_tokens.expires_at", "plan_runs.plan_date", "plan_runs.in_flight_date",
    "courier_plans.plan_date", "courier_routes.start_at", "courier_routes.end_at", "courier_stops.arrival_at",
    "courier_stops.service_start_at", "courier_stops.departure_at", "return_lines.deadline",
    "reservations.needed_by", "deliveries.deadline", "deliveries.planned_date",
}


def dated_after(session, now: datetime) -> list[str]:
    """Every dated column, outside `MAY_BE_AHEAD`, whose latest value is after `now` (its day, for dates)."""
    late = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (UtcDateTime, sa.Date)) or f"{table.name}.{column.name}" in MAY_BE_AHEAD:
                continue
            latest = session.scalar(sa.select(sa.func.max(column)))
            if isinstance(latest, datetime) and latest > now or type(latest) is date and latest > now.date():
                late.append(f"{table.name}.{column.name} = {latest}")
    return late
