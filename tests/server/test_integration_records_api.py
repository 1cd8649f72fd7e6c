"""Records in over HTTP: an integration key pushes records; a source's job changes reach phones by pull."""

import sqlalchemy as sa

from integration_fixtures import integration_key  # noqa: F401  (fixture)
from server.models import Job
from test_integration_records import customer, job, part, site


def push(client, key, records):
    return client.post("/api/v1/integration/records", json={"records": records},
                       headers={"Authorization": f"Bearer {key}"})


def test_a_push_answers_each_record_in_request_order(client, integration_key):
    _, key = integration_key
    r = push(client, key, [site(), customer(), {"kind": "customer", "external_id": "C2", "data": {}}])
    assert r.status_code == 200
    assert [(x["index"], x["kind"], x["result"]) for x in r.json["results"]] == [
        (0, "site", "created"), (1, "customer", "created"), (2, "customer", "rejected")]
    assert r.json["results"][2]["errors"] == {"name": ["Missing data for required field."]}
    again = push(client, key, [site(), customer()])
    assert [x["result"] for x in again.json["results"]] == ["unchanged", "unchanged"]


def test_more_than_500_records_is_refused_whole(client, integration_key, session):
    _, key = integration_key
    r = push(client, key, [customer(f"C{i}", f"Customer {i}") for i in range(501)])
    assert r.status_code == 422 and "records" in r.json["errors"]["json"]


def test_a_person_cannot_push_records(client, world, dana):
    r = dana.request("POST", "/api/v1/integration/records", json={"records": []})
    assert r.status == 403


def sourced_job_for(client, key, engineer: str) -> int:
    r = push(client, key, [customer(name="Acme Ltd"), site(name="Acme HQ"), part(), job(engineer=engineer)])
    assert "rejected" not in [x["result"] for x in r.json["results"]], r.json
    return r.json["results"][3]["id"]


def test_a_job_the_source_reassigns_becomes_a_tombstone_on_the_old_engineers_next_pull(
        client, integration_key, world, amy, ben):
    _, key = integration_key
    job_id = sourced_job_for(client, key, "amy")
    amy.sync_down()
    assert str(job_id) in amy.cached("job")
    r = push(client, key, [job(engineer="ben")])
    assert r.json["results"][0]["result"] == "updated"
    changes = amy.sync_down()
    assert ("job", str(job_id), "delete") in {(c["entity"], c["id"], c["op"]) for c in changes}
    assert str(job_id) not in amy.cached("job")
    ben.sync_down()
    assert str(job_id) in ben.cached("job")


def test_a_job_the_source_cancels_leaves_the_phone_on_its_next_pull(client, integration_key, world, amy):
    _, key = integration_key
    job_id = sourced_job_for(client, key, "amy")
    amy.sync_down()
    push(client, key, [job(engineer="amy", status="cancelled")])
    changes = amy.sync_down()
    assert ("job", str(job_id), "delete") in {(c["entity"], c["id"], c["op"]) for c in changes}
    assert str(job_id) not in amy.cached("job")


def test_a_dispatchers_edit_of_a_field_the_source_owns_is_refused_naming_it(client, integration_key, world, dana,
                                                                            session):
    _, key = integration_key
    job_id = sourced_job_for(client, key, "amy")
    r = dana.request("PATCH", f"/api/v1/jobs/{job_id}", json={"engineer_id": world.ben.id})
    assert r.status == 422
    assert r.json["errors"] == {"engineer_id": ["Owned by erp: change it there."]}
    assert session.get(Job, job_id).engineer_id == world.amy.id


def test_text_the_database_cannot_hold_is_a_field_error_of_that_record(client, integration_key):
    _, key = integration_key
    r = push(client, key, [customer(name="North\x00wind"), customer("C2", "South\ud800wind"), customer("C3", "Fine")])
    assert [x["result"] for x in r.json["results"]] == ["rejected", "rejected", "created"]
    assert set(r.json["results"][0]["errors"]) == {"name"} and set(r.json["results"][1]["errors"]) == {"name"}


def test_an_unreadable_body_is_4xx(client, integration_key):
    _, key = integration_key
    r = client.post("/api/v1/integration/records", data=("[" * 1000 + "]" * 1000).encode(),
                    content_type="application/json", headers={"Authorization": f"Bearer {key}"})
    assert 400 <= r.status_code < 500
