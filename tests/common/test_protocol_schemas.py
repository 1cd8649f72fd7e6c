"""The shared schemas accept what the protocol allows and refuse the rest, for any input."""

import uuid
from datetime import datetime, timezone

import marshmallow as ma
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.enums import Disposition, EventType, FailureCode, HolderKind, PartCondition, ReturnStatus, TravelMode
from common.protocol import MAX_BATCH_EVENTS, BatchTooLarge, UnsupportedProtocolVersion
from common.schemas import PushRequestSchema, ReturnLineRecord
from common.validation import CatalogueEntry, check_against_catalogue, validate_event

aware_times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1),
                           timezones=st.just(timezone.utc))
part_numbers = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=64)
serials = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=64)
#: Text the protocol can carry: no NUL and no lone surrogate (common/representable.py).
storable_characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def payloads():
    removed = st.fixed_dictionaries(
        {"part_number": part_numbers, "condition": st.sampled_from([c.value for c in PartCondition])},
        optional={"failure_code": st.sampled_from([f.value for f in FailureCode]),
                  "quantity": st.integers(1, 1000)})
    return st.one_of(
        removed.map(lambda p: ("part_removed", p)),
        st.fixed_dictionaries({"part_number": part_numbers}, optional={"serial": serials})
        .map(lambda p: ("part_installed", p)),
        st.fixed_dictionaries({"part_number": part_numbers, "serial": serials,
                               "condition": st.sampled_from([c.value for c in PartCondition])})
        .map(lambda p: ("equipment_collected", p)),
        st.fixed_dictionaries({}, optional={"notes": st.text(storable_characters, max_size=200),
                                            "customer_signoff_name": st.text(storable_characters, max_size=120)})
        .map(lambda p: ("job_completed", p)),
        st.fixed_dictionaries({"return_line_id": st.uuids().map(str), "facility_id": st.integers(1, 10**6)})
        .map(lambda p: ("return_handed_over", p)),
    )


@settings(max_examples=200, deadline=None)
@given(payloads(), st.uuids(), st.integers(1, 2**40), aware_times, st.integers(1, 10**6))
def test_every_well_formed_event_is_valid(kind_payload, event_id, seq, occurred_at, job_id):
    kind, payload = kind_payload
    event, errors = validate_event({"id": str(event_id), "seq": seq, "type": kind,
                                    "occurred_at": occurred_at.isoformat(), "job_id": job_id, "payload": payload})
    assert errors == {}
    assert event["type"] == EventType(kind) and event["id"] == event_id and event["occurred_at"] == occurred_at


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.integers(), st.text(max_size=20),
                                                       st.lists(st.integers(), max_size=3)), max_size=8))
def test_any_garbage_is_refused_with_field_messages_never_an_exception(garbage):
    event, errors = validate_event(garbage)
    if event is None:
        assert errors and all(isinstance(k, str) for k in errors)


def test_time_without_offset_is_refused():
    _, errors = validate_event({"id": str(uuid.uuid4()), "seq": 1, "type": "job_completed",
                                "occurred_at": "2026-11-25T10:00:00", "job_id": 1, "payload": {}})
    assert "occurred_at" in errors


def test_quantity_above_one_with_a_serial_is_refused():
    _, errors = validate_event({"id": str(uuid.uuid4()), "seq": 1, "type": "part_removed",
                                "occurred_at": "2026-11-25T10:00:00+00:00", "job_id": 1,
                                "payload": {"part_number": "P", "serial": "S1", "quantity": 2, "condition": "faulty"}})
    assert errors == {"payload": {"quantity": ["A serialised part is one item: quantity must be 1."]}}


@pytest.mark.parametrize("version", [0, 3, "1", -5])
def test_a_batch_of_another_protocol_version_is_refused_whole(version):
    with pytest.raises(UnsupportedProtocolVersion):
        PushRequestSchema().load({"protocol_version": version, "device_id": "device-123", "events": []})


@pytest.mark.parametrize("version", [[], {}, [1]])
def test_a_version_that_is_not_a_value_is_a_field_error(version):
    with pytest.raises(ma.ValidationError) as err:
        PushRequestSchema().load({"protocol_version": version, "device_id": "device-123", "events": []})
    assert err.value.messages == {"protocol_version": ["Not a valid integer."]}


def test_a_batch_over_the_limit_is_refused_whole():
    events = [{"id": str(uuid.uuid4()), "seq": i + 1} for i in range(MAX_BATCH_EVENTS + 1)]
    with pytest.raises(BatchTooLarge):
        PushRequestSchema().load({"protocol_version": 1, "device_id": "device-123", "events": events})


CATALOGUE = {"PRN-FUS-220": CatalogueEntry("PRN-FUS-220", True, "AR[0-9]{8}"),
             "PRN-RLR-KIT": CatalogueEntry("PRN-RLR-KIT", False)}


@pytest.mark.parametrize("payload, errors", [
    ({"part_number": "PRN-FUS-220", "serial": "AR00000001"}, {}),
    ({"part_number": "NOPE"}, {"payload": {"part_number": ["Unknown part number 'NOPE'."]}}),
    ({"part_number": "PRN-FUS-220"}, {"payload": {"serial": ["PRN-FUS-220 is serialised: its serial is required."]}}),
    ({"part_number": "PRN-FUS-220", "serial": "AR1"}, {"payload": {"serial": ["'AR1' is not a valid serial for PRN-FUS-220."]}}),
    ({"part_number": "PRN-RLR-KIT", "quantity": 3}, {}),
], ids=["ok", "unknown", "serial-missing", "serial-format", "non-serialised"])
def test_catalogue_checks(payload, errors):
    assert check_against_catalogue(EventType.PART_REMOVED, payload, CATALOGUE.get) == errors


def test_a_return_line_record_carries_its_travel_instruction():
    start = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    record = ReturnLineRecord().dump({
        "id": uuid.UUID(int=7), "part_number": "MED-BAT-V12", "serial": "MD00000001", "quantity": 1,
        "condition": PartCondition.FAULTY, "status": ReturnStatus.PICKUP_SCHEDULED, "job_id": 3, "origin_site_id": 4,
        "disposition": Disposition.RECYCLE, "travel_mode": TravelMode.COURIER_PICKUP, "destination_facility_id": 2,
        "holder_kind": HolderKind.SITE, "pickup_reference": "P-000012", "pickup_window_start": start,
        "pickup_window_end": start.replace(hour=12),
    })
    assert {k: record[k] for k in ("travel_mode", "holder_kind", "pickup_reference", "pickup_window_start",
                                   "pickup_window_end")} == {
        "travel_mode": "courier_pickup", "holder_kind": "site", "pickup_reference": "P-000012",
        "pickup_window_start": "2026-12-02T10:00:00+00:00", "pickup_window_end": "2026-12-02T12:00:00+00:00"}
