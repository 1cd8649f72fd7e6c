"""The demo's opening stock: an opening stocktake at the facilities and in the vans, targets, grade policies
and bench hours (server/demo/data.py; assumptions in docs/engine.md, "Demo stock")."""

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy.orm as so

from common.enums import GradePolicy, MovementKind, StockGrade, StockLocationKind
from server.demo import data
from server.models import Facility, PartNumber, StockTarget, User
from server.services.stock.ledger import location_for, record_movement

OPENING_REASON = "Opening stocktake of the demo"


def seed_stock(session: so.Session, facilities: dict[str, Facility], parts: dict[str, PartNumber],
               engineers: list[User], today: date) -> int:
    """Stock movements for the demo's opening balances, in the caller's transaction; returns their count."""
    for pn, part in parts.items():
        part.grade_policy = GradePolicy.NEW_ONLY if pn in data.NEW_ONLY_PARTS else GradePolicy.REFURBISHED_FIRST
        part.refurbishment_hours = max(0.25, round(float(part.refurbishment_cost) / data.BENCH_RATE_EUR_PER_HOUR, 2))
    opened_at = datetime.combine(today - timedelta(days=data.OPENING_STOCK_DAYS_AGO), time(7, 0), tzinfo=timezone.utc)
    centre = facilities[data.STOCK_CENTRE]
    centre_location = location_for(session, StockLocationKind.FACILITY, centre.id)
    depot_location = location_for(session, StockLocationKind.FACILITY, facilities[data.NEW_STOCK_DEPOT].id)
    opening: list[tuple] = []
    for pn, *_, refurbished, target in data.PARTS:
        if target:
            session.add(StockTarget(facility_id=centre.id, part_number_id=parts[pn].id, quantity=target))
            opening.append((centre_location, pn, StockGrade.REFURBISHED, refurbished))
            opening.append((depot_location, pn, StockGrade.NEW, max(1, target // 2)))
    opening += [(depot_location, pn, StockGrade.NEW, units) for pn, units in data.NEW_CONSUMABLES.items()]
    for engineer in engineers:
        van = location_for(session, StockLocationKind.VAN, engineer.id)
        opening += [(van, pn, StockGrade(grade), units) for pn, grade, units in data.VAN_STOCK]
    count = 0
    for location, pn, grade, units in opening:
        if units > 0:
            record_movement(session, MovementKind.STOCKTAKE, f"demo-opening:{location.code}:{pn}:{grade}",
                            part_number_id=parts[pn].id, quantity=units, target=(location, grade),
                            occurred_at=opened_at, reason=OPENING_REASON)
            count += 1
    return count
