"""Bad pushes get a clear 4xx with field-level messages, and nothing is stored."""

import json
import time
import uuid

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


@pytest.mark.parametrize("version", [0, 3, 99])
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


# --- values the database cannot hold: one event rejected, never the batch ------------------------

#: JSON text for a list nested 1,000 levels deep, more than Python's parser can read.
DEEP = "[" * 1000 + "]" * 1000


def push_text(client, phone, events: list[dict], replace: dict[str, str] | None = None, **envelope_fields):
    """Push `events` as JSON text, with each quoted placeholder of `replace` swapped for raw JSON."""
    text = json.dumps({**envelope(phone, events), **envelope_fields})
    for placeholder, raw in (replace or {}).items():
        text = text.replace(json.dumps(placeholder), raw)
    return raw_push(client, phone, text.encode())


def stored_events(session) -> dict[str, str]:
    session.rollback()
    return {str(ev.id): ev.status for ev in session.scalars(sa.select(FieldEvent))}


@pytest.mark.parametrize(
    "change, raw, field",
    [
        ({"occurred_at": "9999-12-31T23:59:59-14:00"}, {}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+14:00"}, {}, "occurred_at"),
        ({"job_id": 2**63}, {}, "job_id"),
        ({"job_id": 2**31}, {}, "job_id"),
        ({"payload": {"notes": "\ud800"}}, {}, "payload"),
        ({"payload": {"notes": "a\x00b"}}, {}, "payload"),
        ({"type": "\udfff"}, {}, "type"),
        ({"payload": {"\ud800": "x"}}, {}, "payload"),
        ({"payload": {"notes": "NAN"}}, {"NAN": "NaN"}, "payload"),
        ({"payload": {"notes": "DEEP"}}, {"DEEP": DEEP}, "payload"),
        ({"payload": "DEEP"}, {"DEEP": DEEP}, "payload"),
        ({"extra": "DEEP"}, {"DEEP": DEEP}, "extra"),
    ],
    ids=["time-after-9999-in-utc", "time-before-year-1-in-utc", "job-id-64-bit", "job-id-past-32-bit",
         "lone-surrogate", "nul-character", "surrogate-in-type", "surrogate-in-a-field-name", "not-a-number",
         "value-nested-1000-deep", "payload-nested-1000-deep", "unknown-field-nested-1000-deep"],
)
def test_an_event_the_database_cannot_hold_is_rejected_alone(client, amy, world, session, change, raw, field):
    poison = amy.new_event("job_completed", world.amy_job.id, notes="done")
    poison.update(change)
    good = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = push_text(client, amy, [poison, good], raw)
    assert r.status_code == 200
    rejected, accepted = r.json["results"]
    assert rejected["status"] == "rejected" and field in rejected["errors"]
    assert accepted["status"] == "accepted"
    assert stored_events(session) == {poison["id"]: "rejected", good["id"]: "accepted"}
    assert session.get(ReturnLine, uuid.UUID(good["id"])) is not None
    retried = push_text(client, amy, [poison], raw).json["results"][0]
    assert retried["status"] == "duplicate" and retried["errors"] == rejected["errors"]


@pytest.mark.parametrize("occurred_at, flag", [("1970-01-01T00:00:00+00:00", "clock_stale"),
                                               ("0001-01-01T00:00:00+00:00", "clock_stale"),
                                               ("9999-12-31T23:59:59+00:00", "clock_future")])
def test_an_implausible_time_the_database_can_hold_is_accepted_and_flagged(amy, world, session, occurred_at, flag):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    ev["occurred_at"] = occurred_at
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    session.rollback()
    assert flag in session.get(FieldEvent, uuid.UUID(ev["id"])).flags


@pytest.mark.parametrize("sent_at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
def test_a_device_clock_decades_off_is_recorded_and_flagged(amy, world, session, sent_at):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    assert amy.push([ev], sent_at=sent_at).json["results"][0]["status"] == "accepted"
    session.rollback()
    stored = session.get(FieldEvent, uuid.UUID(ev["id"]))
    assert "clock_offset" in stored.flags and abs(stored.device_clock_offset_s) == 2**31 - 1


def test_a_batch_sent_at_a_time_the_database_cannot_hold_is_422(amy, world, nothing_stored):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = amy.push([ev], sent_at="9999-12-31T23:59:59-14:00")
    assert r.status == 422 and "sent_at" in r.json["errors"]["json"]
    nothing_stored()


def test_a_body_nested_1000_deep_is_400(client, amy, nothing_stored):
    r = raw_push(client, amy, DEEP.encode())
    assert r.status_code == 400 and r.json["message"] == "The body must be a JSON object."
    nothing_stored()


def test_an_envelope_field_nested_1000_deep_is_422(client, amy, world, nothing_stored):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = push_text(client, amy, [ev], {"DEEP": DEEP}, sent_at="DEEP")
    assert r.status_code == 422 and "sent_at" in r.json["errors"]["json"]
    nothing_stored()


def test_a_number_too_long_to_read_is_400(client, amy, world, nothing_stored):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    r = push_text(client, amy, [ev], {"LONG": "9" * 5000}, sent_at="LONG")
    assert r.status_code == 400 and r.json["message"] == "The body is not valid JSON."
    nothing_stored()


# --- serials ------------------------------------------------------------------------------------

def test_a_serial_on_a_part_that_is_not_serialised_is_rejected(amy, world, session):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", serial="=1+1", condition="working")
    result = amy.push([ev]).json["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"] == {"payload": {"serial": ["PRN-RLR-KIT is not serialised: leave its serial empty."]}}
    assert session.scalar(sa.select(sa.func.count()).select_from(ReturnLine)) == 0


@pytest.mark.serial  # asserts a bound on wall time
def test_a_serial_checked_against_an_explosive_stored_format_is_answered_quickly(amy, world, session):
    world.fuser.serial_pattern = "(a|a)+$"  # stored before formats were checked where they enter
    session.commit()
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220", serial="a" * 26 + "b",
                       condition="faulty")
    started = time.monotonic()
    result = amy.push([ev]).json["results"][0]
    assert time.monotonic() - started < 1.5
    assert result["status"] == "rejected" and "serial" in result["errors"]["payload"]
