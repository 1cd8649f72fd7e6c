"""A swap on the console: a line says what replaced it, the export carries both serials, the overview what is at risk."""

import csv
import io
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa

import factories as make
from common.enums import Disposition, ReturnStatus
from server.models import Replacement


def swapped_line(session, yard, make_lines, **fields):
    (line,) = make_lines(1, **fields)
    session.add(Replacement(install_event_id=uuid.uuid4(), removal_event_id=line.id, return_line_id=line.id,
                            job_id=yard.amy_job.id, part_number_id=yard.fuser.id, serial="AR55500001",
                            grade="refurbished", installed_by_id=yard.amy.id,
                            installed_at=datetime(2026, 11, 30, 10, 15, tzinfo=timezone.utc)))
    session.commit()
    return line


def test_a_warranty_return_shows_the_serial_installed_in_its_place_with_who_and_when(dispatcher, session, yard,
                                                                                   make_lines):
    line = swapped_line(session, yard, make_lines, disposition=Disposition.RETURN_TO_VENDOR)
    page = dispatcher.get(f"/console/returns/{line.id}").get_data(as_text=True)
    replaced = page[page.index('id="replaced-by"'):]
    assert "PRN-FUS-220 AR55500001" in replaced[:200] and "(refurbished)" in replaced[:200]
    assert "by Amy" in replaced[:400] and "30 Nov 2026" in replaced[:400]
    assert "AR09000000" in page  # the serial removed, in the page's heading


def test_the_export_carries_the_serial_that_replaced_each_line(dispatcher, session, yard, make_lines):
    swapped_line(session, yard, make_lines, disposition=Disposition.RETURN_TO_VENDOR)
    (row,) = csv.DictReader(io.StringIO(dispatcher.get("/console/data/returns.csv").get_data(as_text=True)))
    assert (row["serial"], row["replaced_by_serial"], row["disposition"]) == ("AR09000000", "AR55500001",
                                                                              "return_to_vendor")


def test_an_unconfirmed_line_shows_why_it_was_not_returned_and_the_overview_its_value_at_risk(dispatcher, make_lines):
    (line,) = make_lines(1, status=ReturnStatus.UNCONFIRMED, serial=None, disposition=None,
                         not_returned_reason="The customer keeps it")
    page = dispatcher.get(f"/console/returns/{line.id}").get_data(as_text=True)
    assert "Unconfirmed" in page and "“The customer keeps it”" in page
    overview = dispatcher.get("/console/").get_data(as_text=True)
    tile = overview[overview.index('id="tile-at-risk"'):][:300]
    assert "Value at risk" in tile and "€120.50" in tile


def test_the_sites_installed_base_says_which_serial_each_unit_replaced(dispatcher, session, yard, make_lines):
    line = swapped_line(session, yard, make_lines)
    installed = make.installed_item(session, yard.fuser, yard.north, "AR55500001")
    session.get(Replacement, session.scalar(sa.select(Replacement.install_event_id))).serialised_item_id = installed.id
    session.commit()
    page = dispatcher.get(f"/console/sites/{yard.north.id}").get_data(as_text=True)
    row = page[page.index("AR55500001"):][:600]
    assert "replaced" in row and "AR09000000" in row and "by Amy" in row
    assert f"/console/returns/{line.id}" in row
    assert dispatcher.get("/console/sites/999999").status_code == 404
