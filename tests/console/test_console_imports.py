"""CSV imports (preview, row-level errors, all or nothing) through the service and the Data page."""

import io

import pytest
import sqlalchemy as sa

from common.enums import ItemStatus
from integration_fixtures import integration_key  # noqa: F401  (fixture)
from server.models import Job, PartNumber, SerialisedItem, Site
from server.services.integration.records import apply_records
from server.services.master_data import imports
from server.services.errors import Invalid

CATALOGUE = """part_number,description,category,vendor,new_price,refurbishment_cost,weight_kg,volume_l,serialised,serial_pattern
NET-SW-24,24-port switch,network,Netvale,480.00,60,3.1,12,yes,NV[A-Z0-9]{10}
NET-PSU-1,Switch power supply,network,Netvale,85,10,0.9,2,no,
"""
BAD_CATALOGUE = CATALOGUE + "NET-AP-5,Access point,network,Netvale,lots,20,0.5,1,maybe,\n"


def count(session, model) -> int:
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_clean_catalogue_previews_row_by_row_and_writes_nothing(session):
    preview = imports.preview_import(session, "catalogue", CATALOGUE)
    assert preview.ok and [r.action for r in preview.rows] == ["create", "create"]
    assert count(session, PartNumber) == 0


def test_importing_a_clean_catalogue_creates_and_then_updates(session):
    imports.run_import(session, "catalogue", CATALOGUE)
    assert count(session, PartNumber) == 2
    again = imports.run_import(session, "catalogue", CATALOGUE.replace("480.00", "455.00"))
    assert again.count("update") == 2
    session.rollback()
    assert session.scalar(sa.select(PartNumber.new_price).where(PartNumber.part_number == "NET-SW-24")) == 455


def test_catalogue_co2e_columns_are_optional_and_checked(session):
    header, first, second = CATALOGUE.splitlines()
    with_co2e = f"{header},embodied_co2e_kg,material_recovery_share\n{first},120,0.15\n{second},,\n"
    imports.run_import(session, "catalogue", with_co2e)
    session.rollback()
    rows = session.execute(sa.select(PartNumber.part_number, PartNumber.embodied_co2e_kg,
                                     PartNumber.material_recovery_share).order_by(PartNumber.part_number)).all()
    assert [tuple(r) for r in rows] == [("NET-PSU-1", None, None), ("NET-SW-24", 120.0, 0.15)]
    bad = imports.preview_import(session, "catalogue", with_co2e.replace(",120,0.15", ",120,1.5"))
    assert bad.bad_rows[0].errors == {"material_recovery_share": "Must be at most 1."}


def test_a_bad_row_is_reported_on_its_line_and_column(session):
    preview = imports.preview_import(session, "catalogue", BAD_CATALOGUE)
    assert not preview.ok
    (bad,) = preview.bad_rows
    assert bad.line == 4 and set(bad.errors) == {"new_price", "serialised"}
    assert "'lots' is not a number." == bad.errors["new_price"]


def test_a_file_with_one_bad_row_imports_nothing(session):
    with pytest.raises(Invalid) as raised:
        imports.run_import(session, "catalogue", BAD_CATALOGUE)
    assert "line 4" in raised.value.errors
    assert count(session, PartNumber) == 0


@pytest.mark.parametrize("content, message", [
    ("", "The file is empty."),
    ("part_number,description\nX,Y\n", "Missing columns"),
    (CATALOGUE.replace("volume_l", "volume_l,colour"), "Unknown column: colour"),
    ("part_number,description,category,vendor,new_price,refurbishment_cost,weight_kg,volume_l\n", "no rows"),
])
def test_a_malformed_file_is_refused_whole(session, content, message):
    preview = imports.preview_import(session, "catalogue", content)
    assert not preview.ok and any(message in e for e in preview.file_errors)


def test_the_same_key_twice_in_a_file_is_an_error_on_the_second(session):
    preview = imports.preview_import(session, "catalogue", CATALOGUE + CATALOGUE.splitlines()[1] + "\n")
    assert [r.line for r in preview.bad_rows] == [4] and "line 2" in preview.bad_rows[0].errors["_row"]


def test_semicolon_separated_files_with_a_byte_order_mark_are_read(session):
    raw = ("\ufeff" + CATALOGUE.replace(",", ";")).encode("utf-8")
    assert imports.preview_import(session, "catalogue", imports.decode(raw)).ok


def test_sites_are_imported_with_their_customer_and_opening_hours(session):
    imports.run_import(session, "sites", "customer,name,address,latitude,longitude,contact_email,hours\n"
                       "Acme,Leeds,1 Wellington St,53.79,-1.54,jo@acme.example,mon-fri 08:00-17:00; sat 09:00-12:00\n")
    site = session.scalar(sa.select(Site))
    assert site.customer.name == "Acme" and site.access_hours["sat"] == [["09:00", "12:00"]]
    assert "fri" in site.access_hours and "sun" not in site.access_hours


def test_site_rows_check_coordinates_emails_and_hours(session):
    preview = imports.preview_import(session, "sites", "customer,name,address,latitude,longitude,contact_email,hours\n"
                                     "Acme,Leeds,1 St,95,-1.5,not-an-email,mon 17:00-08:00\n")
    assert set(preview.bad_rows[0].errors) == {"latitude", "contact_email", "hours"}


def test_the_installed_base_needs_known_parts_sites_and_valid_serials(session, yard):
    content = ("customer,site,part_number,serial,installed_on\n"
               "Northfield Dental,North Office,PRN-FUS-220,AR12345678,2024-05-01\n"
               "Northfield Dental,North Office,PRN-FUS-220,XX1,2024-05-01\n"
               "Northfield Dental,Nowhere,NOPE-1,AR1,\n")
    preview = imports.preview_import(session, "installed_base", content)
    assert [sorted(r.errors) for r in preview.rows] == [[], ["serial"], ["part_number", "site"]]
    with pytest.raises(Invalid):
        imports.run_import(session, "installed_base", content)
    assert count(session, SerialisedItem) == 3  # the yard's own, nothing added
    imports.run_import(session, "installed_base", "\n".join(content.splitlines()[:2]))
    item = session.scalar(sa.select(SerialisedItem).where(SerialisedItem.serial == "AR12345678"))
    assert item.status == ItemStatus.INSTALLED and item.site_id == yard.north.id


def net_parts(session) -> int:
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).where(PartNumber.part_number.like("NET-%")))


def upload(console, kind: str, content: str):
    return console.post("/console/data/preview", {"kind": kind, "file": (io.BytesIO(content.encode()), "parts.csv")},
                        content_type="multipart/form-data")


def test_the_data_page_previews_a_bad_file_with_its_row_error_and_no_import_button(dispatcher, session):
    r = upload(dispatcher, "catalogue", BAD_CATALOGUE)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "1 of 3 rows have errors. Nothing will be imported" in page
    assert "&#39;lots&#39; is not a number." in page and 'id="line-4"' in page
    assert "Import 3 rows" not in page
    assert net_parts(session) == 0


def test_the_data_page_imports_a_clean_file_after_the_preview(dispatcher, session):
    page = upload(dispatcher, "catalogue", CATALOGUE).get_data(as_text=True)
    assert "2 rows are ready: 2 to create, 0 to update." in page
    r = dispatcher.post("/console/data/import", {"kind": "catalogue", "content": CATALOGUE})
    assert r.status_code == 303
    assert "Imported the parts catalogue: 2 created" in dispatcher.get("/console/data").get_data(as_text=True)
    assert net_parts(session) == 2


SOURCE_JOBS = """source,external_id,site_external_id,reference,summary,window_start,window_end,engineer_username,expected_parts
erp,J1,S1,ERP-1001,Replace fuser,2026-12-14T09:00+01:00,2026-12-14T11:00+01:00,amy,PRN-FUS-220 x1 replace
"""


def test_the_data_page_imports_a_sources_jobs_and_a_second_import_leaves_them_unchanged(dispatcher, yard, session,
                                                                                         integration_key):
    apply_records(session, "erp", [
        {"kind": "customer", "external_id": "C1", "data": {"name": "Acme Ltd"}},
        {"kind": "site", "external_id": "S1", "data": {"customer_external_id": "C1", "name": "Acme HQ",
                                                       "address": "1 Acme Way", "latitude": 53.4, "longitude": -2.2}},
    ], integration_key[0].user)
    data_page = dispatcher.get("/console/data").get_data(as_text=True)
    assert '<option value="jobs">Jobs</option>' in data_page and "PRN-TRAY-1 x2 collect" in data_page
    assert "1 rows are ready: 1 to create, 0 to update." in upload(dispatcher, "jobs", SOURCE_JOBS).get_data(as_text=True)
    assert dispatcher.post("/console/data/import", {"kind": "jobs", "content": SOURCE_JOBS}).status_code == 303
    assert "Imported the jobs: 1 created" in dispatcher.get("/console/data").get_data(as_text=True)
    session.rollback()
    assert session.scalar(sa.select(Job.engineer_id).where(Job.external_id == "J1")) == yard.amy.id
    again = upload(dispatcher, "jobs", SOURCE_JOBS).get_data(as_text=True)
    assert "0 to create, 0 to update, 1 unchanged." in again
    bad = upload(dispatcher, "jobs", SOURCE_JOBS.replace("x1 replace", "one"))
    assert bad.status_code == 422 and "Cannot read &#39;PRN-FUS-220 one&#39;" in bad.get_data(as_text=True)


def test_a_preview_without_a_file_shows_the_error_on_the_file_field(dispatcher):
    r = dispatcher.post("/console/data/preview", {"kind": "catalogue"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Choose a CSV file." in r.get_data(as_text=True)


@pytest.mark.parametrize("pattern, message", [("(a|a)+$", "may not repeat a group"), ("NV(-[0-9]+)+", "may not repeat a group"),
                                              ("A" * 121, "At most 120 characters")])
def test_an_unsafe_serial_format_is_a_row_error(session, pattern, message):
    preview = imports.preview_import(session, "catalogue", CATALOGUE.replace("NV[A-Z0-9]{10}", pattern))
    (bad,) = preview.bad_rows
    assert bad.line == 2 and message in bad.errors["serial_pattern"]
