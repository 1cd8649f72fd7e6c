"""Each removed item's travel instruction on the phone: carry it back, or leave it at the site for the courier."""

from datetime import datetime, timedelta, timezone

import pytest

from mobile import entries, workday
from mobile.store import Store

JOB, SITE, DEPOT, RECYCLER = 120, 9, 5, 6


def line(line_id: str, serial: str, **fields) -> dict:
    data = {"id": line_id, "part_number": "MED-BAT-V12", "serial": serial, "quantity": 1, "condition": "faulty",
            "status": "awaiting_pickup", "job_id": JOB, "origin_site_id": SITE, "destination_facility_id": RECYCLER,
            "holder_kind": "engineer", "travel_mode": None, "pickup_reference": None,
            "pickup_window_start": None, "pickup_window_end": None, **fields}
    return {"entity": "return_line", "id": line_id, "op": "upsert", "data": data}


@pytest.fixture
def store(tmp_path):
    """A phone with one job at North Office, a depot, a recycler, and four return lines, one of each kind."""
    store = Store(tmp_path / "phone.db")
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    changes = [
        {"entity": "facility", "id": str(DEPOT), "op": "upsert",
         "data": {"id": DEPOT, "code": "TPK", "name": "Trafford Park depot", "kind": "depot"}},
        {"entity": "facility", "id": str(RECYCLER), "op": "upsert",
         "data": {"id": RECYCLER, "code": "OCR", "name": "Oldham recycling", "kind": "recycler"}},
        {"entity": "part", "id": "3", "op": "upsert",
         "data": {"id": 3, "part_number": "MED-BAT-V12", "serialised": True, "serial_pattern": "MD[0-9]{8}"}},
        {"entity": "site", "id": str(SITE), "op": "upsert",
         "data": {"id": SITE, "name": "North Office", "contact_name": "Sam Contact", "installed": []}},
        {"entity": "job", "id": str(JOB), "op": "upsert", "data": {"id": JOB, "reference": "J-1", "site_id": SITE,
                                                                   "status": "open"}},
        line("a", "MD00000001", status="with_engineer", travel_mode="carry_back", destination_facility_id=DEPOT),
        line("b", "MD00000002", travel_mode="courier_pickup", pickup_reference="P-000012"),
        line("c", "MD00000003", travel_mode="courier_pickup", holder_kind="site", pickup_reference="P-000012",
             status="pickup_scheduled", pickup_window_start=tomorrow.isoformat(),
             pickup_window_end=(tomorrow + timedelta(hours=2)).isoformat()),
        line("d", "MD00000004", status="awaiting_disposition"),
    ]
    store.apply_pull_page(None, {"changes": changes, "cursor": "c1", "has_more": False, "full_resync": True})
    yield store
    store.close()


def by_id(lines) -> dict[str, workday.CarriedLine]:
    return {line.id: line for line in lines}


def test_only_what_the_engineer_should_carry_is_under_carrying(store):
    assert set(by_id(workday.carried_lines(store))) == {"a", "d"}
    assert set(by_id(workday.left_at_site(store))) == {"b", "c"}


def test_a_carried_item_says_where_to_take_it(store):
    assert by_id(workday.carried_lines(store))["a"].instruction == "Carry it back to Trafford Park depot (TPK)."
    assert "not decided" in by_id(workday.carried_lines(store))["d"].instruction


def test_an_item_for_the_courier_says_where_to_leave_it_how_to_label_it_and_when_it_is_collected(store):
    left = by_id(workday.left_at_site(store))
    assert left["b"].instruction == ('Leave it at North Office for the courier when you go. Hand it to Sam Contact. '
                                     'Label it "P-000012 · MED-BAT-V12 MD00000002 · OCR". Collection not planned yet.')
    assert left["c"].instruction.startswith("Leave it at North Office for the courier. Hand it to Sam Contact.")
    record = store.record("return_line", "c")
    when = workday.window_text(record["pickup_window_start"], record["pickup_window_end"], in_sentence=True)
    assert when.startswith("tomorrow ") and left["c"].instruction.endswith(f"Collected {when}.")


def test_an_item_left_at_the_site_cannot_be_logged_as_removed_again(store):
    with pytest.raises(entries.EntryRefused) as refused:
        entries.log(store, [entries.collection(JOB, "MED-BAT-V12", "MD00000003", "faulty")], "amy")
    assert "already logged as on its way back" in refused.value.messages(0)["serial"]
