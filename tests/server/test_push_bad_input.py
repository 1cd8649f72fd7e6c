"""Bad pushes get a clear 4xx with field-level messages, and nothing is stored."""

import json

import pytest
import sqlalchemy as sa

import factories as make
from common.protocol import MAX_BATCH_EVENTS, MAX_REQUEST_BYTES
from server.models import FieldEvent, ReturnLine


@pytest.fixture
def nothing_stored(session):
    def check():
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(FieldEvent)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(ReturnLine)) == 0

    return check


def raw_push(client, phone, body: bytes, content_type="application/json"):
    return client.post("/api/v1/sync/push", data=body, content_type=content_type,
                       headers={"Authorization": f"Bearer {phone.token}"})


def envelope(phone, events):
    return {"protocol_version": 1, "device_id": phone.device_id, "events": events}


def test_malformed_json_is_400(client, amy, nothing_stored):
    r = raw_push(client, amy, b'{"protocol_version": 1, "events": [')
    assert r.status_code == 400
    assert r.json["message"] == "The body is not valid JSON."
    nothing_stored()


def test_body_that_is_not_an_object_is_refused(client, amy, nothing_stored):
    r = raw_push(client, amy, b"[1, 2, 3]")
    assert r.status_code in (400, 422)
    assert r.json["message"]
    nothing_stored()


def test_missing_envelope_fields_are_422_with_field_messages(amy, nothing_stored):
    r = amy.request("POST", "/api/v1/sync/push", json={"events": "not a list"})
    assert r.status == 422
    fields = r.json["errors"]["json"]
    assert set(fields) == {"protocol_version", "device_id", "events"}
    nothing_stored()


def test_event_without_a_valid_id_or_seq_refuses_the_whole_batch(amy, world, nothing_stored):
    good = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    bad = {**good, "id": "not-a-uuid", "seq": "seven"}
    r = amy.push([good, bad])
    assert r.status == 422
    assert set(r.json["errors"]["json"]["events"]["1"]) == {"id", "seq"}
    nothing_stored()


def test_unknown_event_type_is_rejected_with_its_reason(amy, world, session):
    ev = amy.new_event("part_teleported", world.amy_job.id, part_number="PRN-RLR-KIT")
    r = amy.push([ev])
    assert r.status == 200
    result = r.json["results"][0]
    assert result["status"] == "rejected"
    assert "type" in result["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(ReturnLine)) == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"payload": {"part_number": 42, "condition": "faulty"}}, "payload"),
        ({"payload": {"part_number": "PRN-RLR-KIT", "condition": "faulty", "quantity": "two"}}, "payload"),
        ({"payload": {"part_number": "PRN-RLR-KIT", "condition": "faulty", "colour": "red"}}, "payload"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-25T10:00:00"}, "occurred_at"),
        ({"job_id": "12"}, "job_id"),
        ({"job_id": None}, "job_id"),
        ({"payload": "not an object"}, "payload"),
    ],
    ids=["wrong-type", "quantity-text", "unknown-field", "time-text", "time-without-offset", "job-id-text",
         "job-missing", "payload-not-object"],
)
def test_wrong_field_types_are_rejected_per_event_with_field_messages(amy, world, session, change, field):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="faulty")
    ev.update(change)
    result = amy.push([ev]).json["results"][0]
    assert result["status"] == "rejected"
    assert field in result["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(ReturnLine)) == 0


def test_too_many_events_is_413(amy, world, nothing_stored):
    events = [make.event("part_removed", i + 1, world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
              for i in range(MAX_BATCH_EVENTS + 1)]
    r = amy.push(events)
    assert r.status == 413
    assert f"at most {MAX_BATCH_EVENTS} events" in r.json["message"]
    nothing_stored()


def test_oversize_body_is_413(client, amy, world, nothing_stored):
    ev = amy.new_event("job_completed", world.amy_job.id, notes="x" * 100)
    body = json.dumps(envelope(amy, [ev])).replace("x" * 100, "x" * (MAX_REQUEST_BYTES + 10)).encode()
    r = raw_push(client, amy, body)
    assert r.status_code == 413
    assert r.json["message"]
    nothing_stored()


def test_oversize_text_field_is_rejected(amy, world, session):
    ev = amy.new_event("job_completed", world.amy_job.id, notes="n" * 5000)
    result = amy.push([ev]).json["results"][0]
    assert result["status"] == "rejected"
    assert "notes" in result["errors"]["payload"]


@pytest.mark.parametrize("version", [0, 2, 99])
def test_unsupported_protocol_version_is_426_asking_for_an_update(amy, world, version, nothing_stored):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = amy.push([ev], protocol_version=version)
    assert r.status == 426
    assert "update the app" in r.json["message"]
    nothing_stored()


def test_push_for_another_device_id_is_403(amy, world, nothing_stored):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = amy.push([ev], device_id="someone-elses-phone")
    assert r.status == 403
    nothing_stored()


def test_json_with_the_wrong_content_type_is_refused(client, amy, world, nothing_stored):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = raw_push(client, amy, json.dumps(envelope(amy, [ev])).encode(), content_type="text/plain")
    assert 400 <= r.status_code < 500
    assert r.json["message"]
    nothing_stored()
