"""CSV files in and out of the console: exports a spreadsheet opens safely and correctly, periods
checked field by field."""

import csv
import io

import pytest

from server.services.csv_files import spreadsheet_cell

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
