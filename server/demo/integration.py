"""The company's ERP in the demo: an integration with a key, and its stock balances reconciled against the ledger.

Eight days ago the ERP's balances agreed with Fieldloop's and were marked agreed. Its file of yesterday has
two differences, as such files do: the latest receipt at a facility the ERP has not booked yet (explained by
that movement), and units the ERP counts where Fieldloop has never had any (unexplained, for a dispatcher).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Role, StockGrade, StockLocationKind
from server.models import PartNumber, StockLocation, StockMovement, User
from server.services.integration import accounts, reconcile
from server.services.stock.exports import balance_rows

SOURCE = "erp"
AGREED_DAYS_AGO = 8
#: The units the ERP counts that Fieldloop never had.
PHANTOM_UNITS = 2


def seed_integration(session: so.Session, zone: str, today: date | None = None) -> str:
    today = today or datetime.now(ZoneInfo(zone)).date()
    admin = session.scalar(sa.select(User).where(User.role == Role.ADMIN).order_by(User.id))
    integration = accounts.create_integration(session, "Company ERP", SOURCE, by=admin)
    accounts.issue_key(session, integration.id, "ERP production", by=admin)
    erp = integration.user

    agreed_day = today - timedelta(days=AGREED_DAYS_AGO)
    agreed = reconcile.reconcile(session, agreed_day, _rows(_ledger(session, agreed_day, zone)), erp, zone=zone,
                                 source=SOURCE, filename=f"erp-balances-{agreed_day}.csv")
    reconcile.agree(session, agreed.id, admin)

    yesterday = today - timedelta(days=1)
    balances = _ledger(session, yesterday, zone)
    _leave_out_latest_receipt(session, balances, reconcile.as_of_moment(yesterday, zone))
    _count_phantom_units(session, balances)
    latest = reconcile.reconcile(session, yesterday, _rows(balances), erp, zone=zone, source=SOURCE,
                                 filename=f"erp-balances-{yesterday}.csv")
    counts = reconcile.counts(latest)
    return (f"Integration {integration.name} (source {SOURCE}); its balances of {yesterday:%a %d %b}: "
            f"{counts['explained']} difference explained, {counts['unexplained']} unexplained.")


Key = tuple[str, str, str]  # part number, location code, grade


def _ledger(session: so.Session, day: date, zone: str) -> dict[Key, int]:
    moment = reconcile.as_of_moment(day, zone)
    return {(r["part_number"], r["location"], str(r["grade"])): r["quantity"]
            for r in balance_rows(session, as_of=moment)}


def _rows(balances: dict[Key, int]) -> list[reconcile.BalanceRow]:
    """The ERP's file: it counts no negative stock (the ledger may, where a unit was taken before it was booked)."""
    kept = sorted((key, quantity) for key, quantity in balances.items() if quantity >= 0)
    return [reconcile.BalanceRow(line, part, location, grade, quantity)
            for line, ((part, location, grade), quantity) in enumerate(kept, start=2)]


def _leave_out_latest_receipt(session: so.Session, balances: dict[Key, int], moment) -> None:
    """The ERP has not booked the latest movement into a facility before `moment`."""
    movement = session.scalar(
        sa.select(StockMovement).join(StockLocation, StockLocation.id == StockMovement.to_location_id)
        .where(StockLocation.kind == StockLocationKind.FACILITY, StockMovement.occurred_at < moment)
        .order_by(StockMovement.occurred_at.desc(), StockMovement.seq.desc()).limit(1))
    if movement is None:
        return
    key = (movement.part.part_number, movement.to_location.code, str(movement.to_grade))
    balances[key] = balances.get(key, 0) - movement.quantity


def _count_phantom_units(session: so.Session, balances: dict[Key, int]) -> None:
    """Units of a part at a facility in a grade that no movement ever touched."""
    touched = set(session.execute(sa.select(StockMovement.part_number_id, StockMovement.to_location_id,
                                            StockMovement.to_grade)).all())
    touched |= set(session.execute(sa.select(StockMovement.part_number_id, StockMovement.from_location_id,
                                             StockMovement.from_grade)).all())
    facilities = session.scalars(sa.select(StockLocation).where(StockLocation.kind == StockLocationKind.FACILITY)
                                 .order_by(StockLocation.code)).all()
    for part in session.scalars(sa.select(PartNumber).order_by(PartNumber.part_number)):
        for location in facilities:
            if (part.id, location.id, StockGrade.REFURBISHED) not in touched:
                balances[(part.part_number, location.code, str(StockGrade.REFURBISHED))] = PHANTOM_UNITS
                return
