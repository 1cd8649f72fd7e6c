"""CSV import of a source's customers, jobs and contracts: the integration API's records as a file."""

import pytest
import sqlalchemy as sa

import factories as make
from common.enums import JobStatus
from integration_fixtures import integration_key  # noqa: F401  (fixture)
from server.models import ChangeLogEntry, Contract, Customer, Job
from server.services.errors import Invalid
from server.services.integration.records import apply_records
from server.services.master_data import imports
from test_integration_records import customer, job, part, site

JOBS = """source,external_id,site_external_id,reference,summary,window_start,window_end,engineer_username,status,expected_parts
erp,J1,S1,ERP-1001,Replace fuser,2026-12-14T09:00:00+01:00,2026-12-14T11:00:00+01:00,amy,open,PRN-FUS-220 x1 replace
erp,J2,S1,ERP-1002,Check trays,2026-12-15T09:00+01:00,2026-12-15T10:00+01:00,,,PRN-TRAY-1 x2 collect; PRN-FUS-220
"""
CONTRACTS = """source,external_id,customer_external_id,number,starts_on,ends_on,service_level,site_external_ids
erp,K1,C1,SLA-77,2026-01-01,2026-12-31,next business day,S1; S2
"""


@pytest.fixture
def erp_sites(session, integration_key):
    """The source's customer C1 with sites S1 and S2, its parts, and engineer amy."""
    make.user(session, "amy")
    answer = apply_records(session, "erp", [customer(), site(), site("S2", name="South Office"), part(),
                                            part("P2", "PRN-TRAY-1", serialised=False, serial_pattern=None)],
                           integration_key[0].user)
    assert {r["result"] for r in answer} == {"created"}


def count(session, model) -> int:
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_jobs_are_imported_as_the_sources_records(session, erp_sites):
    imported = imports.run_import(session, "jobs", JOBS)
    assert [r.action for r in imported.rows] == ["create", "create"]
    session.rollback()
    first, second = session.scalars(sa.select(Job).order_by(Job.reference))
    assert (first.source, first.external_id, first.engineer.username, first.status) == ("erp", "J1", "amy",
                                                                                         JobStatus.OPEN)
    assert (second.engineer_id, second.status) == (None, JobStatus.OPEN)
    assert sorted((p["part_number"], p["quantity"], p["action"]) for p in second.expected_parts) == [
        ("PRN-FUS-220", 1, "replace"), ("PRN-TRAY-1", 2, "collect")]


def test_contracts_are_imported_with_their_sites(session, erp_sites):
    assert [r.action for r in imports.run_import(session, "contracts", CONTRACTS).rows] == ["create"]
    session.rollback()
    contract = session.scalars(sa.select(Contract)).one()
    assert (contract.number, contract.customer.external_id, str(contract.ends_on)) == ("SLA-77", "C1", "2026-12-31")
    assert sorted(s.external_id for s in contract.sites) == ["S1", "S2"]


def test_importing_the_same_files_again_is_unchanged_and_writes_nothing(session, erp_sites):
    imports.run_import(session, "jobs", JOBS)
    imports.run_import(session, "contracts", CONTRACTS)
    session.rollback()
    stamps = session.execute(sa.select(Job.updated_at).order_by(Job.id)).scalars().all() + \
        session.execute(sa.select(Contract.updated_at)).scalars().all()
    changes = count(session, ChangeLogEntry)
    reordered = CONTRACTS.replace("S1; S2", "S2; S1")
    assert [r.action for r in imports.run_import(session, "jobs", JOBS).rows] == ["unchanged", "unchanged"]
    assert [r.action for r in imports.run_import(session, "contracts", reordered).rows] == ["unchanged"]
    session.rollback()
    assert session.execute(sa.select(Job.updated_at).order_by(Job.id)).scalars().all() + \
        session.execute(sa.select(Contract.updated_at)).scalars().all() == stamps
    assert count(session, ChangeLogEntry) == changes


def test_a_csv_job_and_the_same_record_from_the_endpoint_are_one_record(session, erp_sites, integration_key):
    imports.run_import(session, "jobs", JOBS)
    (result,) = apply_records(session, "erp", [job()], integration_key[0].user)
    assert result["result"] == "unchanged"
    assert count(session, Job) == 2


def test_customers_are_imported_and_a_source_site_may_then_name_them(session, integration_key):
    content = "source,external_id,name\nerp,C7,Acme Ltd\n"
    assert [r.action for r in imports.run_import(session, "customers", content).rows] == ["create"]
    assert [r.action for r in imports.run_import(session, "customers", content).rows] == ["unchanged"]
    (result,) = apply_records(session, "erp", [site(customer_id="C7")], integration_key[0].user)
    assert result["result"] == "created"
    assert count(session, Customer) == 1


@pytest.mark.parametrize("column, good, bad, message", [
    ("window_start", "2026-12-15T09:00+01:00", "2026-12-15 09:00", "'2026-12-15 09:00' is not a time with its offset"),
    ("window_end", "2026-12-15T10:00+01:00", "2026-12-15T08:00+01:00", "Must be after window_start."),
    ("expected_parts", "PRN-FUS-220\n", "PRN-FUS-220 two\n", "Cannot read 'PRN-FUS-220 two'"),
    ("expected_parts", "PRN-FUS-220\n", "PRN-FUS-220 x1 swap\n", "the kind is replace or collect, not 'swap'"),
    ("expected_parts", "PRN-FUS-220\n", "NOPE-1 x1\n", "Unknown part number 'NOPE-1'."),
    ("site_external_id", "erp,J2,S1,", "erp,J2,S9,", "No site 'S9' from erp yet"),
    ("status", ",,,PRN", ",,closed,PRN", "Write open or cancelled, not 'closed'."),
    ("engineer_username", ",,,PRN", ",zoe,,PRN", "No active engineer 'zoe'"),
])
def test_a_bad_cell_is_an_error_on_its_line_and_column_and_nothing_is_written(session, erp_sites, column, good,
                                                                               bad, message):
    content = JOBS.replace(good, bad)
    assert content != JOBS
    preview = imports.preview_import(session, "jobs", content)
    (wrong,) = preview.bad_rows
    assert wrong.line == 3 and message in wrong.errors[column], wrong.errors
    with pytest.raises(Invalid) as refused:
        imports.run_import(session, "jobs", content)
    assert list(refused.value.errors) == ["line 3"]
    assert count(session, Job) == 0


def test_a_bad_contract_date_or_site_is_an_error_on_its_column(session, erp_sites):
    preview = imports.preview_import(session, "contracts", CONTRACTS.replace("2026-12-31", "31/12/2026"))
    assert preview.bad_rows[0].errors == {"ends_on": "'31/12/2026' is not a date: write YYYY-MM-DD."}
    preview = imports.preview_import(session, "contracts", CONTRACTS.replace("S1; S2", "S1; S8"))
    assert "No site 'S8' from erp yet" in preview.bad_rows[0].errors["site_external_ids"]
    assert count(session, Contract) == 0


def test_every_row_needs_a_source_and_an_external_id(session, erp_sites):
    preview = imports.preview_import(session, "jobs", JOBS.replace("erp,J2,", ",,"))
    assert set(preview.bad_rows[0].errors) == {"source", "external_id"}
    without = "\n".join(line.split(",", 2)[2] for line in JOBS.splitlines())
    assert "Missing columns: source, external_id." in imports.preview_import(session, "jobs", without).file_errors


def test_the_same_external_id_twice_in_a_file_is_an_error_on_the_second(session, erp_sites):
    preview = imports.preview_import(session, "jobs", JOBS.replace("erp,J2,S1,ERP-1002", "erp,J1,S1,ERP-1002"))
    assert [r.line for r in preview.bad_rows] == [3] and "line 2" in preview.bad_rows[0].errors["_row"]


def test_a_preview_of_jobs_writes_nothing(session, erp_sites):
    preview = imports.preview_import(session, "jobs", JOBS)
    assert preview.ok and [r.action for r in preview.rows] == ["create", "create"]
    assert count(session, Job) == 0


def test_a_job_cancelled_by_a_reimport_is_a_tombstone_on_the_phones_next_pull(session, integration_key, world, amy):
    apply_records(session, "erp", [customer(name="Acme Ltd"), site(name="Acme HQ"), part(),
                                   part("P2", "PRN-TRAY-1", serialised=False, serial_pattern=None)],
                  integration_key[0].user)
    imports.run_import(session, "jobs", JOBS)
    session.rollback()
    job_id = session.scalar(sa.select(Job.id).where(Job.external_id == "J1"))
    amy.sync_down()
    assert str(job_id) in amy.cached("job")
    cancelled = imports.run_import(session, "jobs", JOBS.replace("amy,open", "amy,cancelled"))
    assert [r.action for r in cancelled.rows] == ["update", "unchanged"]
    changes = amy.sync_down()
    assert ("job", str(job_id), "delete") in {(c["entity"], c["id"], c["op"]) for c in changes}
    assert str(job_id) not in amy.cached("job")
