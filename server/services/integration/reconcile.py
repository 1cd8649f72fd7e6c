"""Reconciling a source system's stock balances with the ledger: compare, store the differences, agree.

A balance file lists, as of a day, the source's quantity per part number,
location code and grade. `reconcile` checks every row before anything is
written (a bad row refuses the whole file with field-level errors), compares
it with the ledger's balances at the end of that day (site time), explains
each difference by the rule of server/logistics/reconcile.py over the
movements recorded since the last agreed reconciliation, and stores the
result. `agree` makes a reconciliation the last agreed one: the next
explanations use only the movements its balance did not hold.
"""

import csv
import io
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import StockGrade
from common.representable import text_problem
from server.database import begin_snapshot_read, begin_write
from server.logistics.reconcile import Change, Key, Line, Outcome, compare, differences
from server.models import PartNumber, Reconciliation, ReconciliationLine, StockLocation, StockMovement, User
from server.models.types import utcnow
from server.services.errors import Conflict, Invalid, NotFound
from server.services.master_data.imports import MAX_CELL_CHARS, MAX_ROWS
from server.services.stock.ledger import balances, named_place

COLUMNS = ("part_number", "location", "grade", "quantity")
MAX_QUANTITY = 10_000_000
_WHOLE = re.compile(r"[+-]?\d{1,12}")


@dataclass(frozen=True)
class BalanceRow:
    """One row as sent: `line` is its line in the file (the header is line 1) or its index in a JSON list."""

    line: int
    part_number: object
    location: object
    grade: object
    quantity: object


def read_balance_file(content: str) -> list[BalanceRow]:
    """The rows of a CSV balance file (commas, semicolons or tabs; a header naming the columns in any order).

    Raises Invalid with an error on `file` when the file cannot be read as one.
    """
    content = content.lstrip("\ufeff")
    if not content.strip():
        raise Invalid("The balance file is empty.", {"file": ["The file is empty: it needs a header row."]})
    if "\x00" in content:
        raise Invalid("The balance file is not text.", {"file": ["This is not a CSV file."]})
    first_line = content.splitlines()[0]
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=max(",;\t", key=first_line.count))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise Invalid("The balance file lacks columns.",
                          {"file": [f"The header row lacks the column(s): {', '.join(missing)}."]})
        at = {name: header.index(name) for name in COLUMNS}
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise Invalid("The balance file is too long.", {"file": [f"A file holds at most {MAX_ROWS:,} rows."]})
            values = [cells[at[name]].strip() if at[name] < len(cells) else "" for name in COLUMNS]
            rows.append(BalanceRow(number, *values))
    except csv.Error as err:
        raise Invalid("The balance file could not be read.", {"file": [f"Not a readable CSV file: {err}."]}) from err
    return rows


def as_of_moment(day: date, zone: str) -> datetime:
    """The moment a balance "as of `day`" stands for: the end of that day in the sites' time zone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))


def last_agreed(session: so.Session) -> Reconciliation | None:
    """The agreed reconciliation explanations start from (the latest ledger position agreed); reads only."""
    return session.scalars(
        sa.select(Reconciliation).where(Reconciliation.agreed_at.is_not(None))
        .order_by(Reconciliation.ledger_seq.desc(), Reconciliation.id.desc()).limit(1)
    ).first()


def reconcile(session: so.Session, as_of: date, rows: list[BalanceRow], by: User, *, zone: str,
              rows_field: str = "balances", source: str | None = None, filename: str | None = None) -> Reconciliation:
    """Compare the source's balances as of `as_of` with the ledger's and store the differences; owns its
    transactions (a snapshot read, then one write).

    Row errors are reported under `rows_field` (e.g. {"file": {"3": {"grade": [...]}}}); nothing is written then.
    """
    begin_snapshot_read(session)
    errors: dict = {}
    if as_of > utcnow().astimezone(ZoneInfo(zone)).date():
        errors["as_of"] = ["The balances must be as of today or an earlier day."]
    names = _Names(session)
    source_balances = _checked(session, rows, errors, rows_field, set(names.codes.values()))
    if errors:
        raise Invalid("The balances were not compared: some rows are wrong; nothing was stored.", errors)
    agreed = last_agreed(session)
    moment = as_of_moment(as_of, zone)
    ledger_seq = session.scalar(sa.select(sa.func.coalesce(sa.func.max(StockMovement.seq), 0)))
    since_seq = agreed.ledger_seq if agreed else 0
    lines = compare(source_balances, _ledger_balances(session, moment, names),
                    _changes(session, agreed, ledger_seq, moment, names))
    begin_write(session)
    if _id(last_agreed(session)) != _id(agreed):
        raise Conflict("Another reconciliation was agreed meanwhile: send the balances again.")
    reconciliation = Reconciliation(
        as_of=as_of, as_of_moment=moment, ledger_seq=ledger_seq, since_id=_id(agreed), since_seq=since_seq,
        source=source, filename=filename, rows_compared=len(lines), created_by_id=by.id,
        lines=[_stored(line) for line in differences(lines)],
    )
    session.add(reconciliation)
    session.commit()
    return reconciliation


def agree(session: so.Session, reconciliation_id: int, by: User) -> Reconciliation:
    """Make a reconciliation the last agreed balance (again: no change); owns its transaction.

    Refused (409) for one compared at an earlier ledger position, or of an earlier day, than the last agreed.
    """
    begin_write(session)
    reconciliation = session.get(Reconciliation, reconciliation_id)
    if reconciliation is None:
        raise NotFound("There is no such reconciliation.")
    if reconciliation.agreed_at is not None:
        return reconciliation
    agreed = last_agreed(session)
    if agreed is not None and (reconciliation.ledger_seq < agreed.ledger_seq or reconciliation.as_of < agreed.as_of):
        raise Conflict("A later reconciliation is agreed already.", {
            "reconciliation": [f"Reconciliation {agreed.id} (as of {agreed.as_of.isoformat()}) is agreed and is "
                               "later than this one: agree a newer one instead."]})
    reconciliation.agreed_at, reconciliation.agreed_by_id = utcnow(), by.id
    session.commit()
    return reconciliation


def get(session: so.Session, reconciliation_id: int) -> Reconciliation:
    """One reconciliation with its lines; reads only."""
    reconciliation = session.get(Reconciliation, reconciliation_id)
    if reconciliation is None:
        raise NotFound("There is no such reconciliation.")
    return reconciliation


def explaining_movements(session: so.Session, reconciliation: Reconciliation) -> dict[str, StockMovement]:
    """The movements its lines name, by id (as text); reads only."""
    ids = {uuid.UUID(i) for line in reconciliation.lines for i in line.movement_ids}
    if not ids:
        return {}
    movements = session.scalars(
        sa.select(StockMovement).where(StockMovement.id.in_(ids))
        .options(so.joinedload(StockMovement.part), so.joinedload(StockMovement.from_location),
                 so.joinedload(StockMovement.to_location))
    ).all()
    return {str(m.id): m for m in movements}


def _id(reconciliation: Reconciliation | None) -> int | None:
    return None if reconciliation is None else reconciliation.id


class _Names:
    """The codes of the stock locations and the numbers of the parts, by id, read once per comparison."""

    def __init__(self, session: so.Session):
        self.codes = dict(session.execute(sa.select(StockLocation.id, StockLocation.code)).all())
        self.parts = dict(session.execute(sa.select(PartNumber.id, PartNumber.part_number)).all())


def _checked(session: so.Session, rows: list[BalanceRow], errors: dict, rows_field: str,
             known_codes: set[str]) -> dict[Key, int]:
    """The rows as balances by key, each checked; a row's problems go into errors[rows_field][line][column].
    `known_codes`: the codes of the locations the ledger has; another code is checked against what it names."""
    parts = set(session.scalars(sa.select(PartNumber.part_number).where(
        PartNumber.part_number.in_(_storable({r.part_number for r in rows})))))
    codes = set(known_codes)
    codes |= {code for code in _storable({r.location for r in rows}) - codes
              if len(code) <= 80 and named_place(session, code) is not None}
    grades = {g.value for g in StockGrade}
    found: dict[Key, int] = {}
    lines: dict[Key, int] = {}
    for row in rows:
        problems: dict[str, list[str]] = {}
        part_number = _text(row.part_number, "part_number", problems)
        location = _text(row.location, "location", problems)
        grade = _text(row.grade, "grade", problems)
        if part_number and part_number not in parts:
            problems["part_number"] = [f"Unknown part number {part_number!r}: it is not in the catalogue."]
        if location and location not in codes:
            problems["location"] = [f"Unknown location {location!r}: use FAC:<facility code>, VAN:<username> "
                                    "or SITE:<site id>."]
        if grade and grade not in grades:
            problems["grade"] = [f"Unknown grade {grade!r}: use one of {', '.join(sorted(grades))}."]
        quantity = _quantity(row.quantity, problems)
        if not problems:
            key = Key(part_number, location, grade)
            if key in found:
                problems["row"] = [f"This part, location and grade is listed twice (also at {lines[key]})."]
            else:
                found[key], lines[key] = quantity, row.line
        if problems:
            errors.setdefault(rows_field, {})[str(row.line)] = problems
    return found


def _storable(values) -> set[str]:
    """The stripped texts among `values` that a query may carry (the rest are reported by _text)."""
    return {v.strip() for v in values if isinstance(v, str) and text_problem(v) is None}


def _text(value, name: str, problems: dict) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems[name] = ["Required."] if value in (None, "") else ["Must be text."]
        return None
    if len(value) > MAX_CELL_CHARS:
        problems[name] = [f"At most {MAX_CELL_CHARS} characters."]
        return None
    if (problem := text_problem(value)) is not None:
        problems[name] = [problem]
        return None
    return value.strip()


def _quantity(value, problems: dict) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, str) and not _WHOLE.fullmatch(value.strip())):
        problems["quantity"] = ["Must be a whole number of units (0 or more)."]
        return None
    quantity = int(value)
    if quantity < 0:
        problems["quantity"] = ["Cannot be negative: a balance file lists the units held (0 or more)."]
    elif quantity > MAX_QUANTITY:
        problems["quantity"] = [f"At most {MAX_QUANTITY:,}."]
    else:
        return quantity
    return None


def _ledger_balances(session: so.Session, moment: datetime, names: _Names) -> dict[Key, int]:
    return {Key(names.parts[b.part_number_id], names.codes[b.location_id], b.grade.value): b.quantity
            for b in balances(session, as_of=moment)}


def _changes(session: so.Session, agreed: Reconciliation | None, through_seq: int,
             moment: datetime, names: _Names) -> dict[Key, list[Change]]:
    """Per key, what each movement since the agreed balance did to it, in ledger order: the movements up to
    `through_seq` that occurred before `moment` and that the agreed balance did not hold (recorded after it
    was compared, or occurred after the moment it stood for)."""
    query = (
        sa.select(StockMovement.id, StockMovement.seq, StockMovement.part_number_id, StockMovement.quantity,
                  StockMovement.from_location_id, StockMovement.from_grade, StockMovement.to_location_id,
                  StockMovement.to_grade)
        .where(StockMovement.seq <= through_seq, StockMovement.occurred_at < moment)
        .order_by(StockMovement.seq)
    )
    if agreed is not None:
        query = query.where(sa.or_(StockMovement.seq > agreed.ledger_seq,
                                   StockMovement.occurred_at >= agreed.as_of_moment))
    changes: dict[Key, list[Change]] = defaultdict(list)
    for move_id, seq, part_id, quantity, from_id, from_grade, to_id, to_grade in session.execute(query):
        for location_id, grade, delta in ((from_id, from_grade, -quantity), (to_id, to_grade, quantity)):
            if location_id is not None:
                key = Key(names.parts[part_id], names.codes[location_id], StockGrade(grade).value)
                changes[key].append(Change(str(move_id), seq, delta))
    return changes


def _stored(line: Line) -> ReconciliationLine:
    return ReconciliationLine(
        part_number=line.key.part_number, location=line.key.location, grade=StockGrade(line.key.grade),
        source_quantity=line.source_quantity, fieldloop_quantity=line.fieldloop_quantity,
        difference=line.difference, outcome=line.outcome.value,
        movement_ids=[change.movement_id for change in line.explained_by],
    )


def counts(reconciliation: Reconciliation) -> dict[str, int]:
    """How many keys were compared, agree, are explained and are unexplained."""
    explained = sum(1 for line in reconciliation.lines if line.outcome == Outcome.EXPLAINED)
    unexplained = len(reconciliation.lines) - explained
    return {"compared": reconciliation.rows_compared,
            "agreeing": reconciliation.rows_compared - len(reconciliation.lines),
            "explained": explained, "unexplained": unexplained}
