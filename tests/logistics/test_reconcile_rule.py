"""The reconciliation rule: a difference is explained by the latest movements the source has not booked yet."""

from server.logistics.reconcile import Change, Key, Outcome, compare, differences, explain

FUSER_AT_DEPOT = Key("PRN-FUS-220", "FAC:TPK", "new")
FUSER_IN_VAN = Key("PRN-FUS-220", "VAN:amy", "new")


def changes(*deltas: int) -> list[Change]:
    return [Change(f"m{seq}", seq, delta) for seq, delta in enumerate(deltas, start=1)]


def test_a_difference_of_the_last_movement_is_explained_by_it_alone():
    run = explain(-2, changes(+5, -1, -2))
    assert [c.movement_id for c in run] == ["m3"]


def test_a_difference_of_several_latest_movements_is_explained_by_all_of_them_in_ledger_order():
    run = explain(+2, changes(+5, +3, -2, +1))
    assert [c.movement_id for c in run] == ["m2", "m3", "m4"]


def test_the_shortest_run_of_latest_movements_is_the_explanation():
    # m4 alone nets +1; so do m2..m4, but the source has most likely booked m2 and m3.
    run = explain(+1, changes(+5, +1, -1, +1))
    assert [c.movement_id for c in run] == ["m4"]


def test_a_difference_no_run_of_latest_movements_nets_to_is_unexplained():
    # The latest movements net -1, -3, +2: never -2 (an older movement alone would, but the source booked it).
    assert explain(-2, changes(-2, +5, -2, -1)) is None


def test_a_difference_with_no_movements_since_the_agreed_balance_is_unexplained():
    assert explain(3, []) is None


def test_no_difference_needs_no_movements():
    assert explain(0, changes(+5, -1)) == ()


def test_a_key_missing_from_the_source_counts_as_zero_there_and_a_key_missing_from_fieldloop_too():
    lines = compare(source={FUSER_IN_VAN: 2}, fieldloop={FUSER_AT_DEPOT: 3},
                    changes={FUSER_AT_DEPOT: changes(+3)})
    depot, van = lines
    assert (depot.key, depot.source_quantity, depot.fieldloop_quantity, depot.difference) == (FUSER_AT_DEPOT, 0, 3, 3)
    assert depot.outcome == Outcome.EXPLAINED and [c.movement_id for c in depot.explained_by] == ["m1"]
    assert (van.key, van.source_quantity, van.fieldloop_quantity, van.difference) == (FUSER_IN_VAN, 2, 0, -2)
    assert van.outcome == Outcome.UNEXPLAINED and van.explained_by == ()


def test_equal_quantities_agree_and_are_not_differences():
    lines = compare(source={FUSER_AT_DEPOT: 3}, fieldloop={FUSER_AT_DEPOT: 3}, changes={FUSER_AT_DEPOT: changes(+3)})
    assert [line.outcome for line in lines] == [Outcome.AGREES]
    assert differences(lines) == []


def test_zero_rows_on_both_sides_compare_to_nothing():
    assert compare(source={}, fieldloop={}, changes={}) == []


def test_a_source_row_of_zero_for_a_key_fieldloop_does_not_hold_agrees():
    assert [line.outcome for line in compare({FUSER_AT_DEPOT: 0}, {}, {})] == [Outcome.AGREES]
