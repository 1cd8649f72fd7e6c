"""Leak control's rule: one missing unit per expected unit nobody logged coming back."""

from hypothesis import given
from hypothesis import strategies as st

from common.leaks import MissingUnit, installs_without_removal, missing_units, reasons_by_unit

PARTS = st.sampled_from(["PRN-FUS-220", "PRN-RLR-KIT", "ATM-CAS-100"])
EXPECTED = st.lists(st.fixed_dictionaries({
    "part_number": PARTS, "quantity": st.integers(1, 5), "action": st.sampled_from(["replace", "collect", "inspect"]),
}), max_size=6)
LOGGED = st.dictionaries(PARTS, st.integers(0, 8))


@given(EXPECTED, LOGGED)
def test_missing_units_are_exactly_the_expected_units_beyond_what_was_logged(expected, logged):
    missing = missing_units(expected, logged)
    for part_number in {p["part_number"] for p in expected}:
        wanted = sum(p["quantity"] for p in expected
                     if p["part_number"] == part_number and p["action"] in ("replace", "collect"))
        assert sum(m.part_number == part_number for m in missing) == max(0, wanted - logged.get(part_number, 0))
    assert len({m.line_id(7) for m in missing}) == len(missing)


def test_a_missing_unit_has_the_same_line_id_every_time_and_another_per_job():
    unit = MissingUnit("PRN-FUS-220", 1)
    assert unit.line_id(7) == MissingUnit("PRN-FUS-220", 1).line_id(7) != unit.line_id(8)


def test_only_swaps_flag_an_install_without_removal():
    expected = [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"},
                {"part_number": "PRN-RLR-KIT", "quantity": 1, "action": "collect"}]
    installed = {"PRN-FUS-220": 2, "PRN-RLR-KIT": 1}
    assert installs_without_removal(expected, installed, {"PRN-FUS-220": 1}) == {"PRN-FUS-220": 1}


def test_reasons_go_to_missing_units_of_their_part_number_in_order():
    missing = [MissingUnit("PRN-FUS-220", 1), MissingUnit("PRN-FUS-220", 2), MissingUnit("PRN-RLR-KIT", 1)]
    reasons = reasons_by_unit(missing, [{"part_number": "PRN-FUS-220", "reason": "kept by the customer"},
                                        {"part_number": "ATM-CAS-100", "reason": "not on this job"}])
    assert reasons == {MissingUnit("PRN-FUS-220", 1): "kept by the customer"}
