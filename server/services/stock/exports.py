"""The ledger read out for people and for finance: balance rows by location code, movements in ledger order,
and both as CSV. The API (server/api/stock.py) and the console's downloads read through these; they only read."""

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import StockGrade
from server.models import PartNumber, StockLocation, StockMovement
from server.services.master_data.csv_files import csv_chunks
from server.services.stock.ledger import balances

BALANCE_COLUMNS = ("location", "location_kind", "location_name", "part_number", "grade", "quantity")
MOVEMENT_COLUMNS = ("id", "seq", "kind", "part_number", "quantity", "from_location", "from_grade", "to_location",
                    "to_grade", "serial", "occurred_at", "recorded_at", "return_line_id", "event_id", "reservation_id",
                    "delivery_id", "processing_record_id", "reason", "recorded_by_id", "left_negative")
#: Movements read at a time while a CSV export streams.
EXPORT_BATCH = 1000


def balance_rows(session: so.Session, *, location: str | None = None, part_number: str | None = None,
                 grade: StockGrade | None = None, as_of: datetime | None = None) -> list[dict]:
    """The non-zero balances (of the movements before `as_of`, if given), by location code, part number and grade."""
    location_ids = part_ids = None
    if location is not None:
        location_ids = list(session.scalars(sa.select(StockLocation.id).where(StockLocation.code == location)))
    if part_number is not None:
        part_ids = list(session.scalars(sa.select(PartNumber.id).where(PartNumber.part_number == part_number)))
    rows = balances(session, location_ids=location_ids, part_number_ids=part_ids,
                    grades=[grade] if grade is not None else None, as_of=as_of)
    locations = {loc.id: loc for loc in session.scalars(sa.select(StockLocation))}
    parts = dict(session.execute(sa.select(PartNumber.id, PartNumber.part_number)).all())
    return [{"location": locations[r.location_id].code, "location_kind": locations[r.location_id].kind,
             "location_name": locations[r.location_id].name, "part_number": parts[r.part_number_id],
             "grade": r.grade, "quantity": r.quantity} for r in rows]


def movements(session: so.Session, *, after_seq: int = 0, limit: int = EXPORT_BATCH,
              occurred_from: datetime | None = None, occurred_before: datetime | None = None,
              location: str | None = None, part_number: str | None = None) -> list[StockMovement]:
    """Up to `limit` movements after `after_seq` in ledger order: those that occurred from `occurred_from` and
    before `occurred_before`, into or out of `location`, of `part_number` (each if given)."""
    query = (
        sa.select(StockMovement).where(StockMovement.seq > after_seq)
        .options(so.joinedload(StockMovement.part), so.joinedload(StockMovement.from_location),
                 so.joinedload(StockMovement.to_location))
        .order_by(StockMovement.seq).limit(limit)
    )
    if occurred_from is not None:
        query = query.where(StockMovement.occurred_at >= occurred_from)
    if occurred_before is not None:
        query = query.where(StockMovement.occurred_at < occurred_before)
    if location is not None:
        location_id = session.scalar(sa.select(StockLocation.id).where(StockLocation.code == location))
        if location_id is None:  # no stock has been there: nothing moved
            return []
        query = query.where(sa.or_(StockMovement.from_location_id == location_id,
                                   StockMovement.to_location_id == location_id))
    if part_number is not None:
        query = query.join(StockMovement.part).where(PartNumber.part_number == part_number)
    return list(session.scalars(query).unique())


def balances_csv(session: so.Session, **filters) -> Iterator[str]:
    """balance_rows as CSV text, a chunk at a time."""
    rows = balance_rows(session, **filters)
    return csv_chunks(BALANCE_COLUMNS, ([row[c] for c in BALANCE_COLUMNS] for row in rows))


def movements_csv(session: so.Session, **filters) -> Iterator[str]:
    """Every movement `movements` selects, as CSV text in ledger order, read a batch at a time."""
    def rows():
        after_seq = 0
        while batch := movements(session, after_seq=after_seq, **filters):
            for m in batch:
                yield _movement_cells(m)
            after_seq = batch[-1].seq

    return csv_chunks(MOVEMENT_COLUMNS, rows())


def _movement_cells(m: StockMovement) -> list:
    named = {"part_number": m.part.part_number, "from_location": m.from_location.code if m.from_location else None,
             "to_location": m.to_location.code if m.to_location else None}
    return [named[c] if c in named else getattr(m, c) for c in MOVEMENT_COLUMNS]
