"""Whatever JSON a phone puts in any field of a push, the server answers for every event and keeps the good ones."""

import json
import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.models import FieldEvent

#: Every field of a push, as a path: the envelope's, the event's, and the payload fields of each event type.
ENVELOPE_FIELDS = ["protocol_version", "device_id", "sent_at", "unknown_field"]
EVENT_FIELDS = ["id", "seq", "type", "occurred_at", "job_id", "payload", "unknown_field"]
PAYLOAD_FIELDS = {
    "part_removed": ["part_number", "serial", "quantity", "condition", "failure_code"],
    "part_installed": ["part_number", "serial"],
    "equipment_collected": ["part_number", "serial", "condition"],
    "job_completed": ["notes", "customer_signoff_name"],
    "return_handed_over": ["return_line_id", "facility_id"],
}


class Deep:
    """A list nested `depth` levels deep, written into the JSON text as it is (too deep to build)."""

    def __init__(self, depth: int):
        self.text = "[" * depth + "]" * depth
        self.placeholder = f"deep-{uuid.uuid4().hex}"


#: Text with any code point, lone surrogates and NUL included.
any_text = st.text(st.characters(exclude_categories=()), max_size=30)
edge_values = st.sampled_from([
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+00:00",
    "1970-01-01T00:00:00+00:00", "2026-11-25T10:00:00", "PRN-RLR-KIT", "PRN-FUS-220", "AR00000001", "faulty",
    "part_removed", "job_completed", str(uuid.uuid4()), 0, -1, 1, 2**31 - 1, 2**31, 2**62, 2**63, 2**64, -2**63,
    10**300, 1e308, float("nan"), float("inf"), -0.0, "", "\ud800", "\x00", "(a|a)+$",
])
#: Half of the values are the edges above, the others anything JSON can carry.
scalars = st.one_of(edge_values, st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), any_text))
json_values = st.one_of(
    st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                  st.dictionaries(any_text, inner, max_size=4)), max_leaves=12),
    st.sampled_from([40, 1000, 5000]).map(Deep),
)


def as_text(body: dict) -> str:
    deep: list[Deep] = []

    def default(value):
        if isinstance(value, Deep):
            deep.append(value)
            return value.placeholder
        raise TypeError(value)

    text = json.dumps(body, default=default)
    for value in deep:
        text = text.replace(json.dumps(value.placeholder), value.text)
    return text


@st.composite
def poisoned_pushes(draw):
    """Where to put an arbitrary value (the envelope, an event, or its payload), the event type, the value."""
    kind = draw(st.sampled_from(sorted(PAYLOAD_FIELDS)))
    place = draw(st.sampled_from(["envelope", "event", "payload"]))
    field = draw(st.sampled_from({"envelope": ENVELOPE_FIELDS, "event": EVENT_FIELDS,
                                  "payload": PAYLOAD_FIELDS[kind]}[place]))
    return kind, place, field, draw(json_values)


def valid_event(phone, world, kind: str) -> dict:
    payloads = {
        "part_removed": {"part_number": "PRN-RLR-KIT", "condition": "working"},
        "part_installed": {"part_number": "PRN-RLR-KIT"},
        "equipment_collected": {"part_number": "PRN-FUS-220", "serial": "AR00000009", "condition": "faulty"},
        "job_completed": {"notes": "Done"},
        "return_handed_over": {"return_line_id": str(uuid.uuid4()), "facility_id": world.depot.id},
    }
    return phone.new_event(kind, world.amy_job.id, **payloads[kind])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(poisoned_pushes())
def test_no_value_in_any_field_makes_a_push_fail_or_loses_a_good_event(client, amy, world, session, poisoned):
    kind, place, field, value = poisoned
    good = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
    poison = valid_event(amy, world, kind)
    body = {"protocol_version": 1, "device_id": amy.device_id, "events": [good, poison]}
    {"envelope": body, "event": poison, "payload": poison["payload"]}[place][field] = value

    r = client.post("/api/v1/sync/push", data=as_text(body).encode(), content_type="application/json",
                    headers={"Authorization": f"Bearer {amy.token}"})

    assert r.status_code < 500, r.get_json()
    session.rollback()
    good_row = session.get(FieldEvent, uuid.UUID(good["id"]))
    if r.status_code != 200:
        assert place != "payload" and good_row is None
        return
    results = r.get_json()["results"]
    assert [res["id"] for res in results] == [str(uuid.UUID(good["id"])), str(uuid.UUID(poison["id"]))]
    assert results[0]["status"] == "accepted" and good_row.status == "accepted"
    assert results[1]["status"] in ("accepted", "rejected", "duplicate")
    assert session.scalar(sa.select(FieldEvent.status).where(FieldEvent.id == uuid.UUID(poison["id"]))) == \
        results[1]["status"]
