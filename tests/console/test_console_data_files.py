"""CSV files in and out of the console: exports a spreadsheet opens safely and correctly, periods
checked field by field."""

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from server.models import PartNumber
from server.services.master_data import imports
from server.services.master_data.csv_files import spreadsheet_cell

#: The first bytes of a PNG image: its signature and the start of its header chunk.
PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x02\x00\x00\x00"
HOSTILE = '=HYPERLINK("http://evil.example","x")'


def exported_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.mark.parametrize("text", [HOSTILE, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_text_cell_that_would_start_a_formula_is_written_behind_a_quote(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value, text", [("AR00000001", "AR00000001"), (-12, "-12"), (None, ""), ("", "")])
def test_ordinary_text_and_numbers_are_written_as_they_are(value, text):
    assert spreadsheet_cell(value) == text


def test_a_pushed_serial_that_is_a_formula_is_exported_as_text(dispatcher, make_lines):
    make_lines(1, serial=HOSTILE, disposition_reason="-5 € net: refurbishing does not pay")
    (row,) = exported_rows(dispatcher.get("/console/data/returns.csv"))
    assert row["serial"] == "'" + HOSTILE
    assert row["disposition_reason"] == "'-5 € net: refurbishing does not pay"
    assert row["expected_value"] == "120.50"


def test_the_export_starts_with_a_byte_order_mark_so_excel_reads_utf8(dispatcher, make_lines):
    make_lines(1, disposition_reason="Réparer — 120 €")
    body = dispatcher.get("/console/data/returns.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbfid,created_at,")
    assert "Réparer — 120 €" in body.decode("utf-8-sig")


@pytest.mark.parametrize("query, field", [("until=9999-12-31", "until"), ("since=0001-01-01", "since"),
                                          ("since=2026-03-10&until=2026-03-01", "until"), ("until=soon", "until")])
def test_an_export_period_out_of_reach_or_backwards_is_an_error_on_its_field(dispatcher, yard, query, field):
    r = dispatcher.get(f"/console/data/returns.csv?{query}")
    assert r.status_code == 422 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page


def test_a_period_of_one_day_exports_that_day(dispatcher, make_lines):
    (line,) = make_lines(1)
    day = line.created_at.date().isoformat()
    assert len(exported_rows(dispatcher.get(f"/console/data/returns.csv?since={day}&until={day}"))) == 1


# --- imports -------------------------------------------------------------------------------------

CATALOGUE = """part_number,description,category,vendor,new_price,refurbishment_cost,weight_kg,volume_l
NET-SW-24,24-port switch — Réseau,network,Netvale,480.50,60,3.1,12
NET-PSU-1,Switch power supply,network,Netvale,85,10,0.9,2
"""


def preview(session, content: str):
    return imports.preview_import(session, "catalogue", content)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "Infinity", "1e400"])
def test_a_weight_that_is_not_a_finite_number_is_a_row_error(session, value):
    result = preview(session, CATALOGUE.replace("3.1", value))
    assert not result.ok
    assert [(r.line, list(r.errors)) for r in result.bad_rows] == [(2, ["weight_kg"])]


def test_an_amount_beyond_the_columns_reach_is_a_row_error(session):
    result = preview(session, CATALOGUE.replace("480.50", "1e30"))
    assert result.bad_rows[0].errors == {"new_price": "Must be at most 1000000."}


@pytest.mark.parametrize("length", [imports.MAX_CELL_CHARS + 1, 200_000])
def test_a_cell_over_the_documented_length_is_refused_with_its_line(dispatcher, session, length):
    r = upload(dispatcher, CATALOGUE.replace("Switch power supply", "x" * length).encode())
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f"{imports.MAX_CELL_CHARS:,} characters" in page or "131,072 characters" in page
    assert "x" * 100 not in page


def test_the_documented_cell_length_is_on_the_data_page(dispatcher):
    assert f"{imports.MAX_CELL_CHARS:,} characters" in dispatcher.get("/console/data").get_data(as_text=True)


def test_a_file_with_carriage_return_line_ends_is_read(session):
    result = preview(session, CATALOGUE.replace("\n", "\r"))
    assert result.ok and [r.values["part_number"] for r in result.rows] == ["NET-SW-24", "NET-PSU-1"]


def test_a_semicolon_file_with_decimal_commas_reads_the_amounts(session):
    content = CATALOGUE.replace(",", ";").replace("480.50", "1.480,50").replace("3.1", "3,1")
    result = imports.run_import(session, "catalogue", imports.decode(content.encode("cp1252")))
    assert result.ok
    part = session.scalar(sa.select(PartNumber).where(PartNumber.part_number == "NET-SW-24"))
    assert (part.new_price, part.weight_kg, part.description) == (Decimal("1480.50"), 3.1, "24-port switch — Réseau")


def test_a_utf8_file_with_a_byte_order_mark_keeps_its_accents(session):
    result = preview(session, imports.decode(b"\xef\xbb\xbf" + CATALOGUE.encode()))
    assert result.ok and result.columns[0] == "part_number"
    assert result.rows[0].values["description"] == "24-port switch — Réseau"


def test_an_image_uploaded_as_a_csv_is_refused_with_a_plain_message(dispatcher):
    r = upload(dispatcher, PNG_START * 40, "parts.png")
    assert r.status_code == 422
    assert "This is not a CSV file" in r.get_data(as_text=True)


def test_a_file_over_the_size_limit_gets_a_message_with_the_limit(dispatcher, app):
    r = upload(dispatcher, b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    page = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "larger than the 2 MB" in page and 'id="file-error"' in page


def test_a_file_of_a_megabyte_imports_after_its_preview(dispatcher, session):
    rows = "".join(f"BULK-{i:06d},Bulk part {'é' * 20},bulk,Netvale,1,1,1,1\n" for i in range(12_000))
    content = CATALOGUE.splitlines()[0] + "\n" + rows
    assert len(content.encode()) > 1_000_000
    assert upload(dispatcher, content.encode()).status_code == 200
    r = dispatcher.post("/console/data/import", {"kind": "catalogue", "content": content})
    assert r.status_code == 303
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(PartNumber)) == 12_002


def upload(console, raw: bytes, name: str = "parts.csv"):
    return console.post("/console/data/preview", {"kind": "catalogue", "file": (io.BytesIO(raw), name)},
                        content_type="multipart/form-data")
