"""CSV import of a source's rows: the same upsert as the integration API, and owned fields refused to others."""

import pytest
import sqlalchemy as sa

from integration_fixtures import integration_key  # noqa: F401  (fixture)
from server.models import Customer, PartNumber, SerialisedItem, Site
from server.services.errors import Invalid
from server.services.integration.records import apply_records
from server.services.master_data import imports
from test_integration_records import part

CATALOGUE = """part_number,description,category,vendor,new_price,refurbishment_cost,weight_kg,volume_l,source,external_id
NET-SW-24,24-port switch,network,Netvale,480.00,60,3.1,12,erp,P-24
NET-PSU-1,Switch power supply,network,Netvale,85,10,0.9,2,,
"""
SITES = """customer,name,address,latitude,longitude,hours,source,external_id,customer_external_id
Northwind Legal,North Office,1 North Street,53.48,-2.24,mon-fri 08:00-17:00,erp,S1,C1
"""
INSTALLED = """customer,site,part_number,serial,installed_on,source,external_id,site_external_id
,,NET-SW-24,NVAB12345678,2026-01-05,erp,I1,S1
"""


def test_rows_with_a_source_are_that_sources_records_and_a_second_import_changes_nothing(session, integration_key):
    first = imports.run_import(session, "catalogue", CATALOGUE)
    assert [r.action for r in first.rows] == ["create", "create"]
    session.rollback()
    switch = session.scalar(sa.select(PartNumber).where(PartNumber.part_number == "NET-SW-24"))
    assert (switch.source, switch.external_id) == ("erp", "P-24")
    assert session.scalar(sa.select(PartNumber.source).where(PartNumber.part_number == "NET-PSU-1")) is None
    again = imports.run_import(session, "catalogue", CATALOGUE)
    assert [r.action for r in again.rows] == ["unchanged", "update"]


def test_a_csv_row_and_an_api_record_are_the_same_record(session, integration_key):
    imports.run_import(session, "catalogue", CATALOGUE)
    (result,) = apply_records(session, "erp", [{"kind": "part", "external_id": "P-24", "data": {
        "part_number": "NET-SW-24", "description": "24-port switch", "category": "network", "vendor": "Netvale",
        "new_price": 480, "refurbishment_cost": 60, "weight_kg": 3.1, "volume_l": 12}}], integration_key[0].user)
    assert result["result"] == "unchanged"


def test_sites_and_installed_base_rows_of_a_source_refer_by_external_id(session, integration_key):
    imports.run_import(session, "catalogue", CATALOGUE)
    imports.run_import(session, "sites", SITES)
    imports.run_import(session, "installed_base", INSTALLED)
    session.rollback()
    north = session.scalars(sa.select(Site)).one()
    assert (north.external_id, north.customer.external_id, north.customer.name) == ("S1", "C1", "Northwind Legal")
    item = session.scalars(sa.select(SerialisedItem)).one()
    assert (item.external_id, item.site_id) == ("I1", north.id)
    assert [r.action for r in imports.run_import(session, "sites", SITES).rows] == ["unchanged"]


def test_a_reference_to_an_unknown_record_stops_the_whole_file(session, integration_key):
    imports.run_import(session, "catalogue", CATALOGUE)
    with pytest.raises(Invalid) as refused:
        imports.run_import(session, "installed_base", INSTALLED.replace(",S1\n", ",S9\n"))
    assert "'S9'" in refused.value.errors["line 2"][0]
    assert session.scalar(sa.select(sa.func.count()).select_from(SerialisedItem)) == 0


def test_an_unknown_source_is_a_row_error(session):
    preview = imports.preview_import(session, "catalogue", CATALOGUE)
    assert "No integration has the source 'erp'" in preview.rows[0].errors["source"]


def test_a_preview_of_source_rows_writes_nothing(session, integration_key):
    preview = imports.preview_import(session, "sites", SITES)
    assert preview.ok and [r.action for r in preview.rows] == ["create"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_a_file_without_a_source_may_not_change_what_a_source_owns(session, integration_key):
    apply_records(session, "erp", [part(part_number="NET-SW-24", description="Switch")], integration_key[0].user)
    plain = CATALOGUE.replace(",erp,P-24", ",,")
    with pytest.raises(Invalid) as refused:
        imports.run_import(session, "catalogue", plain)
    assert "Owned by erp: change it there." in refused.value.errors["line 2"]
    preview = imports.preview_import(session, "catalogue", plain)
    assert preview.rows[0].errors["description"] == "Owned by erp: change it there."
    session.rollback()
    assert session.scalar(sa.select(PartNumber.description).where(PartNumber.part_number == "NET-SW-24")) == "Switch"
