"""What a source owns and whether a record differs from the stored row: plain values, no database."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from server.logistics.source_records import differences, expected_parts, owned_field_errors, read_data


def test_the_same_instant_at_another_offset_is_no_difference():
    utc = datetime(2026, 12, 14, 8, 0, tzinfo=timezone.utc)
    assert differences({"window_start": utc}, {"window_start": utc.astimezone(timezone(timedelta(hours=1)))}) == {}


def test_an_amount_written_with_other_decimals_is_no_difference():
    assert differences({"new_price": Decimal("310.00")}, {"new_price": Decimal("310")}) == {}
    assert differences({"new_price": Decimal("310.00")}, {"new_price": Decimal("311")}) == {"new_price": Decimal("311")}


def test_expected_parts_in_another_order_are_no_difference():
    sent = [{"part_number": "B", "quantity": 1, "kind": "collect"}, {"part_number": "A", "quantity": 2, "kind": "replace"}]
    stored = expected_parts(sent)
    assert stored[0] == {"part_number": "A", "quantity": 2, "action": "replace"}
    assert differences({"expected_parts": stored}, {"expected_parts": expected_parts(list(reversed(sent)))}) == {}


def test_a_set_of_sites_compares_without_order():
    assert differences({"site_ids": {1, 2}}, {"site_ids": {2, 1}}) == {}


def test_only_a_change_of_an_owned_field_of_a_sourced_row_is_refused():
    current = {"summary": "Fuser", "engineer_id": 1}
    assert owned_field_errors("job", "erp", {"summary": "Fuser", "engineer_id": 2}, current) == {
        "engineer_id": ["Owned by erp: change it there."]}
    assert owned_field_errors("job", None, {"engineer_id": 2}, current) == {}


def test_data_is_read_strictly_with_defaults_for_what_is_left_out():
    data, errors = read_data("part", {"part_number": "P", "description": "D", "category": "c", "vendor": "v",
                                      "new_price": "10", "refurbishment_cost": 1, "weight_kg": 1, "volume_l": 1,
                                      "serialised": False, "serial_pattern": "X[0-9]+"})
    assert errors == {} and data["serial_pattern"] is None and data["vendor_warranty_days"] == 365
    assert read_data("customer", {"name": "A", "colour": "red"})[1] == {"colour": ["Unknown field."]}
    assert read_data("customer", ["A"])[1] == {"data": ["Must be an object."]}
