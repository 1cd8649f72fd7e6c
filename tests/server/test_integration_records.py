"""Records in: a source's customers, sites, parts, items, jobs and contracts applied once each, idempotently."""

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import factories as make
from common.enums import ItemStatus, JobStatus, Role
from server.models import ChangeLogEntry, Contract, Customer, Job, JobAssignment, PartNumber, Replacement, SerialisedItem, Site
from server.services.errors import Invalid
from server.services.integration.records import MAX_RECORDS, apply_records
from server.services.work.jobs import update_job

START = datetime(2026, 12, 14, 9, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture
def erp(session):
    return make.user(session, "erp.account", Role.INTEGRATION)


def customer(external_id="C1", name="Northwind Legal"):
    return {"kind": "customer", "external_id": external_id, "data": {"name": name}}


def site(external_id="S1", customer_id="C1", name="North Office", **data):
    return {"kind": "site", "external_id": external_id, "data": {
        "customer_external_id": customer_id, "name": name, "address": "1 North Street, Manchester",
        "latitude": 53.48, "longitude": -2.24, "hours": "mon-fri 08:00-17:00", **data}}


def part(external_id="P1", part_number="PRN-FUS-220", **data):
    return {"kind": "part", "external_id": external_id, "data": {
        "part_number": part_number, "description": "Fuser unit", "category": "printer", "vendor": "Arcadia",
        "new_price": "310.00", "refurbishment_cost": "45.00", "weight_kg": 2.8, "volume_l": 9.0,
        "serial_pattern": "AR[0-9]{8}", **data}}


def item(external_id="I1", serial="AR00000001", site_id="S1", **data):
    return {"kind": "item", "external_id": external_id, "data": {
        "part_number": "PRN-FUS-220", "serial": serial, "site_external_id": site_id, "installed_on": "2026-01-05",
        **data}}


def job(external_id="J1", engineer="amy", **data):
    return {"kind": "job", "external_id": external_id, "data": {
        "site_external_id": "S1", "reference": "ERP-1001", "summary": "Replace fuser",
        "window_start": START.isoformat(), "window_end": (START + timedelta(hours=2)).isoformat(),
        "engineer_username": engineer, "status": "open",
        "expected_parts": [{"part_number": "PRN-FUS-220", "quantity": 1, "kind": "replace"}], **data}}


def contract(external_id="K1", sites=("S1",), **data):
    return {"kind": "contract", "external_id": external_id, "data": {
        "customer_external_id": "C1", "number": "SLA-77", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "service_level": "next business day", "site_external_ids": list(sites), **data}}


def results(answer) -> list[str]:
    return [r["result"] for r in answer]


def everything():
    return [customer(), part(), site(), item(), contract(), job()]


def test_a_batch_creates_every_kind_and_links_them(session, erp):
    make.user(session, "amy")
    answer = apply_records(session, "erp", everything(), erp)
    assert results(answer) == ["created"] * 6
    assert [r["index"] for r in answer] == list(range(6))
    north = session.scalars(sa.select(Site)).one()
    assert (north.source, north.external_id, north.customer.name) == ("erp", "S1", "Northwind Legal")
    assert north.access_hours["mon"] == [["08:00", "17:00"]] and "sat" not in north.access_hours
    fuser = session.scalars(sa.select(SerialisedItem)).one()
    assert (fuser.site_id, fuser.status, fuser.installed_on) == (north.id, ItemStatus.INSTALLED, date(2026, 1, 5))
    the_job = session.scalars(sa.select(Job)).one()
    assert (the_job.reference, the_job.engineer.username, the_job.site_id) == ("ERP-1001", "amy", north.id)
    assert the_job.window_start == START
    assert the_job.expected_parts == [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]
    sla = session.scalars(sa.select(Contract)).one()
    assert [s.id for s in sla.sites] == [north.id] and sla.customer_id == north.customer_id
    assert answer[5]["id"] == the_job.id
    assignment = session.scalars(sa.select(JobAssignment)).one()
    assert assignment.assigned_by_id == erp.id


def test_the_same_batch_twice_is_unchanged_and_writes_nothing(session, erp):
    make.user(session, "amy")
    apply_records(session, "erp", everything(), erp)
    logged = session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry))
    stamps = {type(r): r.updated_at for r in (session.scalars(sa.select(m)).one()
                                              for m in (Site, PartNumber, Job, Contract))}
    session.commit()
    again = apply_records(session, "erp", everything(), erp)
    assert results(again) == ["unchanged"] * 6
    assert session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry)) == logged
    assert {type(r): r.updated_at for r in (session.scalars(sa.select(m)).one()
                                            for m in (Site, PartNumber, Job, Contract))} == stamps


def test_a_batch_in_any_order_applies_the_same(session, erp):
    make.user(session, "amy")
    answer = apply_records(session, "erp", list(reversed(everything())), erp)
    assert results(answer) == ["created"] * 6
    assert [r["kind"] for r in answer] == ["job", "contract", "item", "site", "part", "customer"]
    assert results(apply_records(session, "erp", everything(), erp)) == ["unchanged"] * 6


def test_lists_compare_as_sets_so_a_reordered_resend_is_unchanged(session, erp):
    make.user(session, "amy")
    two_parts = [{"part_number": "PRN-FUS-220", "quantity": 1, "kind": "replace"},
                 {"part_number": "PRN-RLR-KIT", "quantity": 2, "kind": "collect"}]
    batch = [customer(), part(), part("P2", "PRN-RLR-KIT", serialised=False), site(), site("S2", name="Annex"),
             contract(sites=("S1", "S2")), job(expected_parts=two_parts)]
    apply_records(session, "erp", batch, erp)
    batch[-2] = contract(sites=("S2", "S1"))
    batch[-1] = job(expected_parts=list(reversed(two_parts)))
    assert results(apply_records(session, "erp", batch, erp))[-2:] == ["unchanged", "unchanged"]


def test_a_change_updates_only_that_record(session, erp):
    apply_records(session, "erp", [customer(), site()], erp)
    answer = apply_records(session, "erp", [customer(), site(contact_phone="0161 555 0101")], erp)
    assert results(answer) == ["unchanged", "updated"]
    assert session.scalars(sa.select(Site)).one().contact_phone == "0161 555 0101"


def test_a_reference_to_a_record_not_sent_yet_is_rejected_naming_it_and_the_rest_applies(session, erp):
    answer = apply_records(session, "erp", [site(customer_id="C9"), customer()], erp)
    assert results(answer) == ["rejected", "created"]
    assert "'C9'" in answer[0]["errors"]["customer_external_id"][0]
    assert session.scalar(sa.select(sa.func.count()).select_from(Site)) == 0
    assert results(apply_records(session, "erp", [site()], erp)) == ["created"]


def test_a_bad_record_is_rejected_with_field_errors_and_nothing_of_it_is_written(session, erp):
    answer = apply_records(session, "erp", [customer(), part(new_price="cheap", weight_kg=-1),
                                            {"kind": "truck", "external_id": "", "data": {}}], erp)
    assert results(answer) == ["created", "rejected", "rejected"]
    assert set(answer[1]["errors"]) == {"new_price", "weight_kg"}
    assert set(answer[2]["errors"]) == {"kind", "external_id"}
    assert session.scalar(sa.select(sa.func.count()).select_from(PartNumber)) == 0


def test_a_job_half_applied_is_rolled_back_whole(session, erp):
    """An unknown expected part is found after the job row is written: the savepoint takes it all back."""
    make.user(session, "amy")
    apply_records(session, "erp", [customer(), site()], erp)
    answer = apply_records(session, "erp", [job(expected_parts=[{"part_number": "NOPE", "quantity": 1}])], erp)
    assert results(answer) == ["rejected"] and "expected_parts" in answer[0]["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_an_unknown_engineer_is_a_field_error(session, erp):
    apply_records(session, "erp", [customer(), site(), part()], erp)
    answer = apply_records(session, "erp", [job(engineer="nobody")], erp)
    assert "nobody" in answer[0]["errors"]["engineer_username"][0]


def test_more_than_the_limit_is_refused_whole(session, erp):
    with pytest.raises(Invalid) as refused:
        apply_records(session, "erp", [customer(f"C{i}", f"Customer {i}") for i in range(MAX_RECORDS + 1)], erp)
    assert "records" in refused.value.errors
    assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_a_row_made_in_fieldloop_is_adopted_by_its_natural_key(session, erp):
    existing = make.part(session, "PRN-FUS-220")
    answer = apply_records(session, "erp", [part()], erp)
    assert results(answer) == ["updated"] and answer[0]["id"] == existing.id
    assert (existing.source, existing.external_id, existing.description) == ("erp", "P1", "Fuser unit")
    assert results(apply_records(session, "erp", [part()], erp)) == ["unchanged"]


def test_another_records_natural_key_is_a_field_error(session, erp):
    apply_records(session, "erp", [part()], erp)
    answer = apply_records(session, "erp", [part("P2")], erp)
    assert results(answer) == ["rejected"] and "'P1'" in answer[0]["errors"]["part_number"][0]


def test_a_dispatcher_cannot_change_what_the_source_owns(session, erp):
    amy, ben = make.user(session, "amy"), make.user(session, "ben")
    dana = make.user(session, "dana", Role.DISPATCHER)
    apply_records(session, "erp", everything(), erp)
    the_job = session.scalars(sa.select(Job)).one()
    with pytest.raises(Invalid) as refused:
        update_job(session, the_job.id, {"engineer_id": ben.id, "summary": "Replace fuser"}, dana)
    assert refused.value.errors == {"engineer_id": ["Owned by erp: change it there."]}
    session.rollback()
    assert session.get(Job, the_job.id).engineer_id == amy.id


def test_an_item_fieldloop_logged_as_removed_keeps_its_record_and_says_so(session, erp):
    apply_records(session, "erp", [customer(), part(), site(), site("S2", name="Annex"), item()], erp)
    fuser = session.scalars(sa.select(SerialisedItem)).one()
    fuser.status = ItemStatus.REMOVED
    session.commit()
    answer = apply_records(session, "erp", [item(site_id="S2")], erp)
    assert results(answer) == ["unchanged"]
    assert "removed" in answer[0]["kept"]["site_external_id"]
    north = session.scalar(sa.select(Site).where(Site.external_id == "S1"))
    assert session.get(SerialisedItem, fuser.id).site_id == north.id


def test_a_job_completed_in_fieldloop_is_not_reopened_or_changed_by_the_source(session, erp):
    make.user(session, "amy")
    apply_records(session, "erp", everything(), erp)
    the_job = session.scalars(sa.select(Job)).one()
    the_job.status, the_job.completed_at = JobStatus.COMPLETED, START
    session.commit()
    answer = apply_records(session, "erp", [job(status="cancelled", summary="Other")], erp)
    assert results(answer) == ["unchanged"]
    assert set(answer[0]["kept"]) == {"status", "summary"} and "Completed in Fieldloop" in answer[0]["kept"]["status"]
    assert session.get(Job, the_job.id).status == JobStatus.COMPLETED


def test_an_item_installed_by_a_swap_keeps_the_site_fieldloop_logged(session, erp):
    amy = make.user(session, "amy")
    apply_records(session, "erp", [customer(), part(), site(), site("S2", name="Annex"), item()], erp)
    fuser = session.scalars(sa.select(SerialisedItem)).one()
    the_job = make.job(session, session.scalar(sa.select(Site).where(Site.external_id == "S1")), amy, amy)
    session.add(Replacement(install_event_id=uuid.uuid4(), removal_event_id=uuid.uuid4(), job_id=the_job.id,
                            part_number_id=fuser.part_number_id, serial=fuser.serial, serialised_item_id=fuser.id,
                            installed_by_id=amy.id, installed_at=make.now()))
    session.commit()
    answer = apply_records(session, "erp", [item(site_id="S2", installed_on="2026-02-01")], erp)
    assert results(answer) == ["unchanged"]
    assert set(answer[0]["kept"]) == {"site_external_id", "installed_on"}
    assert "swap" in answer[0]["kept"]["installed_on"]


def test_the_source_cancels_a_job_and_opens_it_again(session, erp):
    make.user(session, "amy")
    apply_records(session, "erp", everything(), erp)
    assert results(apply_records(session, "erp", [job(status="cancelled")], erp)) == ["updated"]
    assert session.scalars(sa.select(Job)).one().status == JobStatus.CANCELLED
    assert results(apply_records(session, "erp", [job(status="cancelled")], erp)) == ["unchanged"]
    assert results(apply_records(session, "erp", [job()], erp)) == ["updated"]
    assert session.scalars(sa.select(Job)).one().status == JobStatus.OPEN


def test_a_job_first_sent_cancelled_is_created_cancelled(session, erp):
    make.user(session, "amy")
    answer = apply_records(session, "erp", [customer(), part(), site(), job(status="cancelled")], erp)
    assert results(answer)[-1] == "created"
    assert session.scalars(sa.select(Job)).one().status == JobStatus.CANCELLED


def test_a_contract_may_cover_only_sites_of_its_customer(session, erp):
    apply_records(session, "erp", [customer(), customer("C2", "Other"), site(), site("S2", "C2", "Elsewhere")], erp)
    answer = apply_records(session, "erp", [contract(sites=("S1", "S2"))], erp)
    assert "'S2' belongs to another customer" in answer[0]["errors"]["site_external_ids"][0]


def test_unreadable_hours_and_unknown_fields_are_field_errors(session, erp):
    apply_records(session, "erp", [customer()], erp)
    answer = apply_records(session, "erp", [site(hours="always"), site(colour="red"),
                                            {**customer("C2", "B"), "extra": 1}], erp)
    assert results(answer) == ["rejected"] * 3
    assert "'always'" in answer[0]["errors"]["hours"][0]
    assert set(answer[1]["errors"]) == {"colour"}
    assert "extra" in answer[2]["errors"]["_record"][0]


def test_each_source_has_its_own_records(session, erp):
    apply_records(session, "erp", [customer()], erp)
    answer = apply_records(session, "crm", [customer(name="Northwind Legal")], erp)
    assert results(answer) == ["rejected"] and "erp's record 'C1'" in answer[0]["errors"]["name"][0]
    assert results(apply_records(session, "crm", [customer(name="Northwind (CRM)")], erp)) == ["created"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 2


def test_a_rename_to_a_name_fieldloop_already_has_is_a_field_error(session, erp):
    session.add(Customer(name="Southwind"))
    session.commit()
    apply_records(session, "erp", [customer()], erp)
    answer = apply_records(session, "erp", [customer(name="Southwind"), {"kind": ["customer"], "external_id": "X"}],
                           erp)
    assert results(answer) == ["rejected", "rejected"]
    assert answer[0]["errors"] == {"name": ["Already taken by a record made in Fieldloop."]}
    assert "kind" in answer[1]["errors"]


def test_a_customer_site_item_and_job_made_in_fieldloop_are_adopted_too(session, erp):
    amy = make.user(session, "amy")
    north = make.site(session, "North Office", customer="Northwind Legal")
    fuser = make.installed_item(session, make.part(session), north, "AR00000001")
    made_here = make.job(session, north, amy, amy, reference="ERP-1001")
    answer = apply_records(session, "erp", everything(), erp)
    ids = {r["kind"]: r["id"] for r in answer}
    assert (ids["customer"], ids["site"], ids["item"], ids["job"]) == (north.customer_id, north.id, fuser.id,
                                                                       made_here.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_values_out_of_order_or_pattern_are_field_errors(session, erp):
    apply_records(session, "erp", [customer(), part(), site()], erp)
    answer = apply_records(session, "erp", [
        item(serial="XX1"),
        job(window_end=START.isoformat()),
        contract(starts_on="2026-06-01", ends_on="2026-05-31"),
    ], erp)
    assert results(answer) == ["rejected"] * 3
    assert "'XX1' is not a valid serial" in answer[0]["errors"]["serial"][0]
    assert set(answer[1]["errors"]) == {"window_end"}
    assert set(answer[2]["errors"]) == {"ends_on"}


def test_a_job_without_an_engineer_is_unassigned(session, erp):
    apply_records(session, "erp", [customer(), part(), site()], erp)
    answer = apply_records(session, "erp", [job(engineer=None), job("J2", reference="ERP-1002", engineer=None)], erp)
    assert results(answer) == ["created", "created"]
    assert session.scalars(sa.select(Job.engineer_id)).all() == [None, None]
