"""CSV in and out: the catalogue, sites and installed base imported with a preview and
row-level errors; return lines exported (written by server/services/master_data/csv_files.py).

A row that names a `source` and an `external_id` is a record of that system: it is applied by the
same upsert as the integration API (server/services/integration/records.py), so importing it twice
changes nothing the second time. A row without them may not change what a source owns. The
customers, jobs and contracts imports hold only such rows: the integration API's records as a file.

An import reads and checks the whole file before it writes anything, and then
writes it in one transaction: a file with one bad row imports nothing. The
preview and the import run the same checks, so what the preview promised is
what the import does (the import checks again, inside its transaction).
"""

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import HolderKind, ItemStatus
from common.validation import MAX_SERIAL_PATTERN_LENGTH, serial_fits, serial_pattern_problem
from server.database import begin_write
from server.logistics.plan_days import DEFAULT_HOURS, parse_access_hours
from server.logistics.source_records import EXPECTED_PART_KINDS, owned_field_errors
from server.models import (
    Customer, Facility, Integration, Job, PartNumber, Replacement, ReturnLine, SerialisedItem, Site, User,
)
from server.services.master_data.csv_files import csv_chunks
from server.services.errors import Invalid
from server.services.integration.records import apply_record
from server.services.returns.period import Period

MAX_ROWS = 20_000
#: The longest cell read; every column's own limit (e.g. 64 for a part number) is at most this.
MAX_CELL_CHARS = 1_000
#: The largest amount of money in a cell (prices, costs, values).
MAX_AMOUNT = Decimal(1_000_000)
NOT_TEXT = ("This is not a CSV file: it holds binary data (an image, a workbook or a PDF?). "
            "In your spreadsheet choose Save as → CSV, then upload that file.")
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    help: str = ""


SOURCE_COLUMNS = (
    Column("source", help="the system that owns the row (an integration's source), with external_id"),
    Column("external_id", help="the row's id in that system"),
)
#: The kinds whose rows are only a source's records: these columns are required.
SOURCE_ONLY_COLUMNS = tuple(replace(c, required=True) for c in SOURCE_COLUMNS)
EXPECTED_PARTS_EXAMPLE = "PRN-FUS-220 x1 replace; PRN-TRAY-1 x2 collect"

COLUMNS: dict[str, tuple[Column, ...]] = {
    "catalogue": (
        Column("part_number", True), Column("description", True), Column("category", True), Column("vendor", True),
        Column("new_price", True, "in euros, e.g. 310.00"), Column("refurbishment_cost", True),
        Column("weight_kg", True), Column("volume_l", True),
        Column("serialised", help="yes (default) or no"), Column("serial_pattern", help="a regular expression"),
        Column("refurbishment_yield", help="0 to 1, default 0.8"), Column("residual_value", help="default 0"),
        Column("hazardous", help="yes or no (default)"), Column("vendor_warranty_days", help="default 365"),
        Column("embodied_co2e_kg", help="kg CO2e of a new unit; empty: the category default"),
        Column("material_recovery_share", help="0 to 1, the share recycling recovers; empty: the category default"),
        *SOURCE_COLUMNS,
    ),
    "sites": (
        Column("customer", True), Column("name", True), Column("address", True),
        Column("latitude", True), Column("longitude", True), Column("postcode"),
        Column("contact_name"), Column("contact_email"), Column("contact_phone"),
        Column("hours", help=f"e.g. '{DEFAULT_HOURS}; sat 09:00-12:00' (default {DEFAULT_HOURS})"),
        *SOURCE_COLUMNS,
        Column("customer_external_id", help="with a source: the customer's id in that system"),
    ),
    "installed_base": (
        Column("customer", True), Column("site", True), Column("part_number", True), Column("serial", True),
        Column("installed_on", help="YYYY-MM-DD"),
        *SOURCE_COLUMNS,
        Column("site_external_id", help="with a source: the site's id in that system (customer and site are then "
                                        "not read)"),
    ),
    "customers": (Column("name", True), *SOURCE_ONLY_COLUMNS),
    "jobs": (
        Column("site_external_id", True, "the site's id in the source"), Column("reference", True),
        Column("summary", True), Column("window_start", True, "ISO 8601 with an offset, e.g. 2026-12-14T09:00+01:00"),
        Column("window_end", True, "after window_start"),
        Column("engineer_username", help="an active engineer; empty: unassigned"),
        Column("status", help="open (default) or cancelled"),
        Column("expected_parts", help=f"part number, xQUANTITY (default x1), replace (default) or collect, "
                                      f"separated by ';': e.g. '{EXPECTED_PARTS_EXAMPLE}'"),
        *SOURCE_ONLY_COLUMNS,
    ),
    "contracts": (
        Column("customer_external_id", True, "the customer's id in the source"), Column("number", True),
        Column("starts_on", True, "YYYY-MM-DD"), Column("ends_on", help="YYYY-MM-DD, not before starts_on"),
        Column("service_level", True),
        Column("site_external_ids", help="sites of the customer, by their ids in the source: e.g. 'S-1; S-2'"),
        *SOURCE_ONLY_COLUMNS,
    ),
}
KIND_NAMES = {"catalogue": "parts catalogue", "sites": "sites", "installed_base": "installed base",
              "customers": "customers", "jobs": "jobs", "contracts": "contracts"}


@dataclass
class RowResult:
    """One data row: its line in the file (the header is line 1), its values, and what it will do or why not."""

    line: int
    values: dict[str, str]
    action: str = ""  # "create" or "update"
    errors: dict[str, str] = field(default_factory=dict)
    #: Semicolon-separated files (continental Excel) write 310,50 for 310.50.
    decimal_comma: bool = False


@dataclass
class ImportPreview:
    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and not self.bad_rows

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.errors)


def preview_import(session: so.Session, kind: str, content: str) -> ImportPreview:
    """What importing `content` would do, row by row; writes nothing."""
    preview = _read(kind, content)
    if not preview.file_errors:
        _CHECKS[kind](session, preview, write=False)
    session.rollback()
    return preview


def run_import(session: so.Session, kind: str, content: str) -> ImportPreview:
    """Import the whole file in one transaction, or nothing (Invalid) if any row is bad."""
    preview = _read(kind, content)
    begin_write(session)
    if not preview.file_errors:
        _CHECKS[kind](session, preview, write=True)
    if not preview.ok:
        session.rollback()
        errors = {f"line {r.line}": list(r.errors.values()) for r in preview.bad_rows}
        if preview.file_errors:
            errors["file"] = preview.file_errors
        raise Invalid("Nothing was imported: the file has errors.", errors)
    session.commit()
    return preview


def decode(raw: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _read(kind: str, content: str) -> ImportPreview:
    if kind not in COLUMNS:
        raise Invalid(f"Unknown import {kind!r}.", {"kind": [f"Choose one of {', '.join(COLUMNS)}."]})
    preview = ImportPreview(kind)
    content = content.lstrip("\ufeff")
    if not content.strip():
        preview.file_errors.append("The file is empty.")
        return preview
    if "\x00" in content:
        preview.file_errors.append(NOT_TEXT)
        return preview
    first_line = content.splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    # newline="": the reader itself ends rows at \n, \r\n or a lone \r (Excel's "CSV (Macintosh)").
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        _read_rows(kind, preview, reader, decimal_comma=delimiter == ";")
    except csv.Error:
        preview.file_errors.append(f"Line {reader.line_num} cannot be read: a cell is longer than "
                                   f"{csv.field_size_limit():,} characters or a quote is not closed.")
    return preview


def _read_rows(kind: str, preview: ImportPreview, reader, decimal_comma: bool) -> None:
    header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    preview.columns = header
    known = {c.name for c in COLUMNS[kind]}
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in header]
    unknown = [h for h in header if h and h not in known]
    if missing:
        preview.file_errors.append(f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.")
    if unknown:
        preview.file_errors.append(f"Unknown column{'s' if len(unknown) > 1 else ''}: {_shorten(', '.join(unknown))} "
                                   f"(expected {', '.join(sorted(known))}).")
    if len(set(header)) != len(header):
        preview.file_errors.append("A column appears twice in the header.")
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(preview.rows) >= MAX_ROWS:
            preview.file_errors.append(f"The file has more than {MAX_ROWS} rows; split it.")
            break
        row = RowResult(number, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)},
                        decimal_comma=decimal_comma)
        if len(cells) > len(header):
            row.errors["_row"] = f"This row has {len(cells)} cells but the header has {len(header)}."
        for name, value in row.values.items():
            if len(value) > MAX_CELL_CHARS:
                row.errors[name] = f"At most {MAX_CELL_CHARS:,} characters in a cell (this one has {len(value):,})."
                row.values[name] = _shorten(value)
        preview.rows.append(row)
    if not preview.rows and not preview.file_errors:
        preview.file_errors.append("The file has a header but no rows.")


def _shorten(text: str, keep: int = 60) -> str:
    return text if len(text) <= keep else text[:keep] + "…"


# --- reading cells ------------------------------------------------------------

class _Bad(ValueError):
    pass


def _required(row: RowResult, name: str) -> str:
    value = row.values.get(name, "")
    if not value:
        raise _Bad("Required.")
    return value


def _text(row: RowResult, name: str, max_length: int, required: bool = False) -> str | None:
    value = _required(row, name) if required else row.values.get(name, "")
    if len(value) > max_length:
        raise _Bad(f"At most {max_length} characters.")
    return value or None


def _number(row: RowResult, name: str, default=None, low: float | None = None, high: float | None = None,
            kind=Decimal):
    raw = row.values.get(name, "")
    if raw == "":
        if default is None:
            raise _Bad("Required.")
        return default
    try:
        value = kind(_plain_number(raw, row.decimal_comma))
    except (ValueError, InvalidOperation):
        raise _Bad(f"{raw!r} is not a number.") from None
    if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        raise _Bad(f"{raw!r} is not a number: write a finite amount.")
    if low is not None and value < low:
        raise _Bad(f"Must be at least {low}.")
    if high is not None and value > high:
        raise _Bad(f"Must be at most {high}.")
    return value


def _optional_number(row: RowResult, name: str, low: float, high: float) -> float | None:
    """A number, or None for an empty cell (the engine then uses the category default)."""
    return None if row.values.get(name, "") == "" else _number(row, name, low=low, high=high, kind=float)


def _plain_number(raw: str, decimal_comma: bool) -> str:
    """'€1,234.50' → '1234.50'; with decimal commas '1.234,50' → '1234.50'."""
    text = raw.lstrip("€").replace(" ", "").replace("\u00a0", "")
    if decimal_comma and "," in text:
        return text.replace(".", "").replace(",", ".")
    return text.replace(",", "")


def _yes_no(row: RowResult, name: str, default: bool) -> bool:
    raw = row.values.get(name, "").lower()
    if raw == "":
        return default
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise _Bad(f"Write yes or no, not {raw!r}.")


def _hours(row: RowResult) -> dict:
    try:
        return parse_access_hours(row.values.get("hours") or DEFAULT_HOURS)
    except ValueError as bad:
        raise _Bad(str(bad)) from None


def _cells(row: RowResult, readers: dict) -> dict:
    """Read every cell of a row; errors go into `row.errors` under the column's name."""
    values = {}
    for name, read in readers.items():
        try:
            values[name] = read()
        except _Bad as bad:
            row.errors[name] = str(bad)
    return values


def _once(row: RowResult, seen: dict, key, what: str) -> None:
    if key is None or (isinstance(key, tuple) and None in key):
        return
    if key in seen:
        row.errors["_row"] = f"The same {what} is on line {seen[key]} too."
    else:
        seen[key] = row.line


# --- the three imports ---------------------------------------------------------

def _check_catalogue(session: so.Session, preview: ImportPreview, write: bool) -> None:
    numbers = {r.values.get("part_number", "") for r in preview.rows}
    existing = {p.part_number: p for p in session.scalars(sa.select(PartNumber).where(PartNumber.part_number.in_(numbers)))}
    seen: dict = {}
    for row in preview.rows:
        v = _cells(row, {
            "part_number": lambda: _text(row, "part_number", 64, True),
            "description": lambda: _text(row, "description", 200, True),
            "category": lambda: _text(row, "category", 60, True),
            "vendor": lambda: _text(row, "vendor", 80, True),
            "serialised": lambda: _yes_no(row, "serialised", True),
            "serial_pattern": lambda: _pattern(row),
            "new_price": lambda: _number(row, "new_price", low=0, high=MAX_AMOUNT),
            "refurbishment_cost": lambda: _number(row, "refurbishment_cost", low=0, high=MAX_AMOUNT),
            "refurbishment_yield": lambda: _number(row, "refurbishment_yield", 0.8, 0, 1, float),
            "residual_value": lambda: _number(row, "residual_value", Decimal(0), low=0, high=MAX_AMOUNT),
            "weight_kg": lambda: _number(row, "weight_kg", low=0.001, high=100_000, kind=float),
            "volume_l": lambda: _number(row, "volume_l", low=0.001, high=1_000_000, kind=float),
            "hazardous": lambda: _yes_no(row, "hazardous", False),
            "vendor_warranty_days": lambda: _number(row, "vendor_warranty_days", 365, 0, 3650, int),
            "embodied_co2e_kg": lambda: _optional_number(row, "embodied_co2e_kg", 0, 1_000_000),
            "material_recovery_share": lambda: _optional_number(row, "material_recovery_share", 0, 1),
        })
        _once(row, seen, v.get("part_number"), "part number")
        part = existing.get(v.get("part_number"))
        row.action = "update" if part else "create"
        if _from_source(session, row, lambda: [_record(row, "part", v)], write):
            continue
        if part is not None:
            _refuse_owned(row, "part", part, v)
        if row.errors or not write:
            continue
        if not v["serialised"]:
            v["serial_pattern"] = None
        if part is None:
            session.add(PartNumber(**v))
        else:
            for name, value in v.items():
                setattr(part, name, value)


def _pattern(row: RowResult) -> str | None:
    value = _text(row, "serial_pattern", MAX_SERIAL_PATTERN_LENGTH)
    if value and (problem := serial_pattern_problem(value)) is not None:
        raise _Bad(problem)
    return value


def _check_sites(session: so.Session, preview: ImportPreview, write: bool) -> None:
    customers = {c.name: c for c in session.scalars(
        sa.select(Customer).where(Customer.name.in_({r.values.get("customer", "") for r in preview.rows})))}
    existing = {(s.customer.name, s.name): s for s in session.scalars(
        sa.select(Site).join(Customer).where(Customer.name.in_(list(customers))).options(so.contains_eager(Site.customer)))}
    seen: dict = {}
    for row in preview.rows:
        v = _cells(row, {
            "customer": lambda: _text(row, "customer", 160, True),
            "name": lambda: _text(row, "name", 160, True),
            "address": lambda: _text(row, "address", 300, True),
            "postcode": lambda: _text(row, "postcode", 20),
            "latitude": lambda: _number(row, "latitude", low=-90, high=90, kind=float),
            "longitude": lambda: _number(row, "longitude", low=-180, high=180, kind=float),
            "contact_name": lambda: _text(row, "contact_name", 120),
            "contact_email": lambda: _email(row),
            "contact_phone": lambda: _text(row, "contact_phone", 40),
            "access_hours": lambda: _hours(row),
        })
        if "access_hours" in row.errors:
            row.errors["hours"] = row.errors.pop("access_hours")
        _once(row, seen, (v.get("customer"), v.get("name")), "customer and site name")
        site = existing.get((v.get("customer"), v.get("name")))
        row.action = "update" if site else "create"
        if _from_source(session, row, lambda: _site_records(row, v), write):
            continue
        customer_name = v.pop("customer", None)
        if site is not None:
            _refuse_owned(row, "site", site, v, {"access_hours": "hours"})
        if row.errors or not write:
            continue
        if site is None:
            customer = customers.get(customer_name)
            if customer is None:
                customer = customers[customer_name] = Customer(name=customer_name)
                session.add(customer)
            session.add(Site(customer=customer, **v))
        else:
            for name, value in v.items():
                setattr(site, name, value)


def _email(row: RowResult) -> str | None:
    value = _text(row, "contact_email", 254)
    if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise _Bad(f"{value!r} is not an email address.")
    return value


def _check_installed_base(session: so.Session, preview: ImportPreview, write: bool) -> None:
    parts = {p.part_number: p for p in session.scalars(
        sa.select(PartNumber).where(PartNumber.part_number.in_({r.values.get("part_number", "") for r in preview.rows})))}
    sites = {(s.customer.name, s.name): s for s in session.scalars(
        sa.select(Site).join(Customer)
        .where(Customer.name.in_({r.values.get("customer", "") for r in preview.rows}))
        .options(so.contains_eager(Site.customer)))}
    items = {(i.part_number_id, i.serial): i for i in session.scalars(
        sa.select(SerialisedItem).where(SerialisedItem.serial.in_({r.values.get("serial", "") for r in preview.rows})))}
    seen: dict = {}
    for row in preview.rows:
        sourced = bool(row.values.get("source") or row.values.get("external_id"))
        v = _cells(row, {
            "customer": lambda: _text(row, "customer", 160, not sourced),
            "site": lambda: _text(row, "site", 160, not sourced),
            "part_number": lambda: _text(row, "part_number", 64, True),
            "serial": lambda: _text(row, "serial", 64, True),
            "installed_on": lambda: _date(row, "installed_on"),
        })
        _once(row, seen, (v.get("part_number"), v.get("serial")), "part number and serial")
        if _from_source(session, row, lambda: [_item_record(row)], write):
            continue
        part = parts.get(v.get("part_number"))
        site = sites.get((v.get("customer"), v.get("site")))
        if "part_number" in v and part is None:
            row.errors["part_number"] = f"Unknown part number {v['part_number']!r}: import it in the catalogue first."
        elif part is not None and not part.serialised:
            row.errors["part_number"] = f"{part.part_number} is not serialised: it has no installed base."
        elif part is not None and "serial" in v and not serial_fits(part.serial_pattern, v["serial"]):
            row.errors["serial"] = f"{v['serial']!r} is not a valid serial for {part.part_number}."
        if "site" in v and "customer" in v and site is None:
            row.errors["site"] = f"No site {v['site']!r} of customer {v['customer']!r}: import it in the sites first."
        item = items.get((part.id, v.get("serial"))) if part else None
        if item is not None and item.status not in (ItemStatus.INSTALLED, ItemStatus.IN_STOCK):
            row.errors["serial"] = f"{item.serial} is {item.status.value}: it cannot be installed at a site now."
        if item is not None and site is not None:
            _refuse_owned(row, "item", item, {"site_id": site.id, "installed_on": v.get("installed_on")},
                          {"site_id": "site"})
        row.action = "update" if item else "create"
        if row.errors or not write:
            continue
        if item is None:
            item = SerialisedItem(part_number_id=part.id, serial=v["serial"])
            session.add(item)
        item.status, item.location_kind, item.location_id = ItemStatus.INSTALLED, HolderKind.SITE, site.id
        item.site_id, item.installed_on = site.id, v["installed_on"]


def _date(row: RowResult, name: str) -> date | None:
    raw = row.values.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _Bad(f"{raw!r} is not a date: write YYYY-MM-DD.") from None


# --- rows of a source -------------------------------------------------------------

def _from_source(session: so.Session, row: RowResult, records, write: bool) -> bool:
    """Apply a row that names a source as that source's records (the integration API's upsert).

    False for a row that names none (the import then treats it itself). `records` makes the
    records once the row's cells are known to be good. Without `write` nothing stays written.
    """
    source, external_id = row.values.get("source", ""), row.values.get("external_id", "")
    if not source and not external_id:
        return False
    if not source:
        row.errors["source"] = "Required with an external_id: the system that owns the row."
    elif not external_id:
        row.errors["external_id"] = "Required with a source: the row's id in that system."
    elif (integration := session.scalar(sa.select(Integration).where(Integration.source == source))) is None:
        row.errors["source"] = f"No integration has the source {source!r}: an admin adds it under Integrations."
    if row.errors:
        return True
    savepoint = session.begin_nested()
    for record in records():
        result = apply_record(session, source, record, by=integration.user)
        for name, messages in result["errors"].items():
            # A field that is not a column of the file (or the record as a whole) is the row's error.
            message = "; ".join(_messages(messages))
            if name in row.values:
                row.errors.setdefault(name, message)
            else:
                row.errors.setdefault("_row", message if name == "_record" else f"{name}: {message}")
        row.action = {"created": "create", "updated": "update"}.get(result["result"], result["result"])
    if write and not row.errors:
        savepoint.commit()
    else:
        savepoint.rollback()
    return True


def _messages(messages) -> list[str]:
    """A record's errors on one field as sentences (an expected part's are nested under its index)."""
    if isinstance(messages, dict):
        return [m for nested in messages.values() for m in _messages(nested)]
    if isinstance(messages, list):
        return [m for nested in messages for m in _messages(nested)]
    return [str(messages)]


def _record(row: RowResult, kind: str, data: dict, external_id: str | None = None) -> dict:
    return {"kind": kind, "external_id": external_id or row.values["external_id"], "data": data}


def _site_records(row: RowResult, v: dict) -> list[dict]:
    """A site row of a source: its customer (named in `customer`, known by customer_external_id), then the site."""
    customer_id = row.values.get("customer_external_id", "")
    if not customer_id:
        row.errors["customer_external_id"] = "Required with a source: the customer's id in that system."
        return []
    site = {name: v[name] for name in ("name", "address", "postcode", "latitude", "longitude", "contact_name",
                                       "contact_email", "contact_phone")}
    return [_record(row, "customer", {"name": v["customer"]}, customer_id),
            _record(row, "site", {**site, "customer_external_id": customer_id, "hours": row.values.get("hours") or None})]


def _item_record(row: RowResult) -> dict:
    values = row.values
    return _record(row, "item", {"part_number": values.get("part_number", ""), "serial": values.get("serial", ""),
                                 "site_external_id": values.get("site_external_id", ""),
                                 "installed_on": values.get("installed_on") or None})


def _refuse_owned(row: RowResult, kind: str, record, values: dict, columns: dict | None = None) -> None:
    """A row without a source may not change what the row's source owns: an error on each such column."""
    current = {name: getattr(record, name) for name in values}
    for name, messages in owned_field_errors(kind, record.source, values, current).items():
        row.errors[(columns or {}).get(name, name)] = messages[0]


# --- imports of a source's records only: customers, jobs, contracts ------------------

def _source_records(kind: str, read_cells, key: tuple[str, str] | None = None):
    """The check of an import whose rows are each a source's record of `kind` (the integration API's data).

    `read_cells(row)` gives the readers of the record's fields, by column; `key` is a field that may
    appear once in a file, and what it is called.
    """
    def check(session: so.Session, preview: ImportPreview, write: bool) -> None:
        seen_ids: dict = {}
        seen_keys: dict = {}
        for row in preview.rows:
            data = _cells(row, read_cells(row))
            source, external_id = row.values.get("source", ""), row.values.get("external_id", "")
            if not source and not external_id:
                row.errors["source"] = "Required: the system that owns the row (an integration's source)."
                row.errors["external_id"] = "Required: the row's id in that system."
                continue
            _once(row, seen_ids, (source or None, external_id or None), "source and external_id")
            if key is not None:
                _once(row, seen_keys, data.get(key[0]), key[1])
            _from_source(session, row, lambda: [_record(row, kind, data)], write)
    return check


def _customer_cells(row: RowResult) -> dict:
    return {"name": lambda: _required(row, "name")}


def _job_cells(row: RowResult) -> dict:
    return {
        "site_external_id": lambda: _required(row, "site_external_id"),
        "reference": lambda: _required(row, "reference"),
        "summary": lambda: _required(row, "summary"),
        "window_start": lambda: _moment(row, "window_start"),
        "window_end": lambda: _moment(row, "window_end"),
        "engineer_username": lambda: row.values.get("engineer_username") or None,
        "status": lambda: _status(row),
        "expected_parts": lambda: parse_expected_parts(row.values.get("expected_parts", "")),
    }


def _contract_cells(row: RowResult) -> dict:
    return {
        "customer_external_id": lambda: _required(row, "customer_external_id"),
        "number": lambda: _required(row, "number"),
        "starts_on": lambda: _iso_date(row, "starts_on", required=True),
        "ends_on": lambda: _iso_date(row, "ends_on"),
        "service_level": lambda: _required(row, "service_level"),
        "site_external_ids": lambda: [s.strip() for s in row.values.get("site_external_ids", "").split(";")
                                      if s.strip()],
    }


def _moment(row: RowResult, name: str) -> str:
    raw = _required(row, name)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _Bad(f"{raw!r} is not a time with its offset: write e.g. 2026-12-14T09:00+01:00.")
    return moment.isoformat()


def _iso_date(row: RowResult, name: str, required: bool = False) -> str | None:
    if required:
        _required(row, name)
    day = _date(row, name)
    return None if day is None else day.isoformat()


def _status(row: RowResult) -> str:
    raw = (row.values.get("status") or "open").lower()
    if raw not in ("open", "cancelled"):
        raise _Bad(f"Write open or cancelled, not {raw!r}.")
    return raw


def parse_expected_parts(text: str) -> list[dict]:
    """'PRN-FUS-220 x1 replace; PRN-TRAY-1 x2 collect' → a job record's expected_parts.

    The quantity (x1) and the kind (replace) may be left out.
    """
    parts = []
    for entry in filter(None, (p.strip() for p in text.split(";"))):
        match = re.fullmatch(r"(\S+)(?:\s+x\s*(\d+))?(?:\s+(\S+))?", entry, re.IGNORECASE)
        if not match or int(match[2] or 1) < 1:
            raise _Bad(f"Cannot read {entry!r}: write part number, xQUANTITY and replace or collect, "
                       f"e.g. '{EXPECTED_PARTS_EXAMPLE}'.")
        kind = (match[3] or "replace").lower()
        if kind not in EXPECTED_PART_KINDS:
            raise _Bad(f"Cannot read {entry!r}: the kind is replace or collect, not {match[3]!r}.")
        parts.append({"part_number": match[1], "quantity": int(match[2] or 1), "kind": kind})
    return parts


_CHECKS = {
    "catalogue": _check_catalogue, "sites": _check_sites, "installed_base": _check_installed_base,
    "customers": _source_records("customer", _customer_cells, ("name", "customer name")),
    "jobs": _source_records("job", _job_cells, ("reference", "job reference")),
    "contracts": _source_records("contract", _contract_cells),
}


# --- export ----------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id", "created_at", "part_number", "description", "serial", "quantity", "origin", "condition", "failure_code",
    "customer", "site", "job", "removed_by", "removed_at", "status", "disposition", "expected_value",
    "destination", "travel_mode", "holder_kind", "holder_id", "overdue_since", "received_at", "recovered_value",
    "disposition_reason", "replaced_by_serial", "replaced_at", "not_returned_reason", "written_off_value",
)


def export_returns(session: so.Session, period: Period) -> Iterator[str]:
    """Return lines created in `period` as CSV text (server/services/master_data/csv_files.py), a chunk at a time."""
    destination = so.aliased(Facility)
    query = (
        sa.select(ReturnLine, PartNumber.part_number, PartNumber.description, Customer.name, Site.name,
                  Job.reference, User.username, destination.code, Replacement.serial, Replacement.installed_at)
        .join(PartNumber, PartNumber.id == ReturnLine.part_number_id)
        .join(Site, Site.id == ReturnLine.origin_site_id)
        .join(Customer, Customer.id == Site.customer_id)
        .join(User, User.id == ReturnLine.removed_by_id)
        .outerjoin(Job, Job.id == ReturnLine.job_id)
        .outerjoin(destination, destination.id == ReturnLine.destination_facility_id)
        .outerjoin(Replacement, Replacement.return_line_id == ReturnLine.id)
        .order_by(ReturnLine.created_at, ReturnLine.id)
        .execution_options(yield_per=500)
    )
    if period.since is not None:
        query = query.where(ReturnLine.created_at >= period.starts_at)
    if period.until is not None:
        query = query.where(ReturnLine.created_at < period.ends_before)
    rows = (
        [line.id, line.created_at, part_number, description, line.serial, line.quantity, line.origin,
         line.condition, line.failure_code, customer, site, job, username, line.removed_at, line.status,
         line.disposition, _cents(line.expected_value), dest, line.travel_mode, line.holder_kind, line.holder_id,
         line.overdue_since, line.received_at, _cents(line.recovered_value), line.disposition_reason,
         replaced_by, replaced_at, line.not_returned_reason, _cents(line.written_off_value)]
        for line, part_number, description, customer, site, job, username, dest, replaced_by, replaced_at
        in session.execute(query)
    )
    return csv_chunks(EXPORT_COLUMNS, rows)


def _cents(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else Decimal(amount).quantize(Decimal("0.01"))
