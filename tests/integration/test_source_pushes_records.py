"""The source system pushes its estate with repeats and in the worst order, over a link that loses
answers: every record is applied exactly once (created once, then unchanged), and nothing is doubled."""

import random

import sqlalchemy as sa

import factories as make
from common.enums import Role
from server.models import Contract, Customer, Job, PartNumber, SerialisedItem, Site
from source_records import KINDS_CHILDREN_FIRST, children_first, customer, northwind_estate, site
from tcp_proxy import LOSE_ANSWER, Fault

MODELS = {"customer": Customer, "site": Site, "part": PartNumber, "item": SerialisedItem, "job": Job,
          "contract": Contract}
SHUFFLE_SEED = 12


def engineers(session):
    make.user(session, "amy")
    make.user(session, "ben")


def rows_from(session, source: str) -> dict[str, dict[str, int]]:
    """Per kind, the external ids the database holds for `source` and how many rows each has."""
    session.rollback()
    counts = {}
    for kind, model in MODELS.items():
        rows = session.execute(sa.select(model.external_id, sa.func.count()).where(model.source == source)
                               .group_by(model.external_id)).all()
        counts[kind] = dict(rows)
    return counts


def test_an_estate_sent_children_first_is_resent_until_whole_and_each_record_is_created_once(source, session):
    engineers(session)
    estate = northwind_estate(make.now().date())
    batches = [[r for r in estate if r["kind"] == kind] for kind in KINDS_CHILDREN_FIRST]

    log = source.push_until_applied(batches)

    assert log.waiting == []
    first_round = {key: answers[0] for key, answers in log.answers.items()}
    rejected = {key for key, answer in first_round.items() if answer["result"] == "rejected"}
    assert ("job", "J-500") in rejected and ("site", "S-100") in rejected and ("part", "P-FUS") not in rejected
    assert "S-100" in " ".join(first_round[("job", "J-500")]["errors"]["site_external_id"])
    assert "C-100" in " ".join(first_round[("site", "S-100")]["errors"]["customer_external_id"])
    for (kind, external_id), answers in log.answers.items():
        outcomes = [a["result"] for a in answers]
        assert outcomes[-1] == "created" and set(outcomes[:-1]) <= {"rejected"}, (kind, external_id, outcomes)
    held = rows_from(session, "erp")
    assert {kind: sorted(ids) for kind, ids in held.items()} == {
        kind: sorted(r["external_id"] for r in estate if r["kind"] == kind) for kind in MODELS}
    assert all(n == 1 for ids in held.values() for n in ids.values())
    contract = session.scalar(sa.select(Contract).where(Contract.external_id == "K-9"))
    assert [site.external_id for site in contract.sites] == ["S-100", "S-101"]
    job = session.scalar(sa.select(Job).where(Job.external_id == "J-500"))
    assert (job.engineer.username, job.site.external_id, [p["part_number"] for p in job.expected_parts]) == (
        "amy", "S-100", ["ERP-FUS-220"])


def test_within_one_batch_the_order_does_not_matter(source, session):
    engineers(session)
    estate = northwind_estate(make.now().date())

    results = source.push(children_first(estate))

    assert {r["result"] for r in results} == {"created"}
    assert [r["index"] for r in results] == list(range(len(estate)))


def test_repeats_shuffled_and_answers_lost_change_nothing_after_the_first_time(source, link, session):
    engineers(session)
    estate = northwind_estate(make.now().date())
    link.script(Fault(LOSE_ANSWER))  # the server applies the first push; the source never hears "created"
    first = source.push_until_applied([estate])
    assert source.resent == 1
    assert all([a["result"] for a in answers] == ["unchanged"] for answers in first.answers.values())
    ids = {key: answers[0]["id"] for key, answers in first.answers.items()}

    shuffled = random.Random(SHUFFLE_SEED).sample(estate, len(estate))
    link.script(Fault(LOSE_ANSWER))
    again = source.push_until_applied([estate, shuffled[:6], shuffled[6:], estate])

    assert source.resent == 2
    for key, answers in again.answers.items():
        assert {a["result"] for a in answers} == {"unchanged"}, (key, answers)
        assert {a["id"] for a in answers} == {ids[key]}
    held = rows_from(session, "erp")
    assert sum(len(ids) for ids in held.values()) == len(estate)
    assert all(n == 1 for ids in held.values() for n in ids.values())


def test_a_changed_record_is_updated_once_then_unchanged(source, session):
    engineers(session)
    estate = northwind_estate(make.now().date())
    source.push_until_applied([estate])
    moved = site("S-101", "C-100", "Northwind South Office", latitude=53.40, longitude=-2.15, postcode="M20 2AA",
                 contact_name="Facilities desk", contact_phone="0161 555 0199")

    outcomes = [source.push([moved])[0]["result"] for _ in range(3)]

    assert outcomes == ["updated", "unchanged", "unchanged"]
    session.rollback()
    south = session.scalar(sa.select(Site).where(Site.source == "erp", Site.external_id == "S-101"))
    assert (south.contact_name, south.contact_phone) == ("Facilities desk", "0161 555 0199")


def test_another_source_with_the_same_external_ids_gets_records_of_its_own(source, session, live_server):
    from fake_source import FakeSource
    from integration_fixtures import integration_with_key

    engineers(session)
    estate = northwind_estate(make.now().date())
    ours = [r for r in estate if r["kind"] == "customer"]
    theirs_too = [customer("C-100", "Northwind Legal (CRM)")]  # same external id, a customer of its own
    _crm, crm_key = integration_with_key(session, name="CRM", source="crm")
    crm = FakeSource(live_server.url, crm_key)

    mine, theirs = source.push(ours)[0], crm.push(theirs_too)[0]

    assert (mine["result"], theirs["result"]) == ("created", "created") and mine["id"] != theirs["id"], theirs
    assert set(rows_from(session, "crm")["customer"]) == set(rows_from(session, "erp")["customer"]) == {"C-100"}
    same_name = crm.push([customer("C-101", "Northwind Legal")])[0]
    assert same_name["result"] == "rejected" and "erp" in same_name["errors"]["name"][0]


def test_a_dispatcher_cannot_push_records(client, session):
    make.user(session, "dana", Role.DISPATCHER)
    from phones import Phone

    dana = Phone(client=client)
    assert dana.sign_in("dana").status == 200
    assert dana.request("POST", "/api/v1/integration/records", json={"records": []}).status == 403


def test_a_job_the_source_reassigns_then_cancels_leaves_the_phones_as_a_dispatchers_change_would(
        source, phone_of, session, world):
    estate = northwind_estate(make.now().date())
    source.push_until_applied([estate])
    job = next(r for r in estate if r["external_id"] == "J-500")
    job_id = str(session.scalar(sa.select(Job.id).where(Job.source == "erp", Job.external_id == "J-500")))
    amy, ben = phone_of("amy"), phone_of("ben")
    amy.sync_down(), ben.sync_down()
    assert job_id in amy.cached("job") and job_id not in ben.cached("job")

    to_ben = {**job, "data": {**job["data"], "engineer_username": "ben"}}
    assert source.push([to_ben])[0]["result"] == "updated"
    tombstones = [c for c in amy.sync_down() if c["entity"] == "job" and c["id"] == job_id]
    ben.sync_down()
    assert [c["op"] for c in tombstones] == ["delete"] and job_id not in amy.cached("job")
    assert job_id in ben.cached("job")

    cancelled = {**to_ben, "data": {**to_ben["data"], "status": "cancelled"}}
    assert [source.push([cancelled])[0]["result"] for _ in range(2)] == ["updated", "unchanged"]
    ben.sync_down()
    assert job_id not in ben.cached("job")
