"""The consolidation window: when the lines waiting at a site are worth a pickup."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.logistics.consolidation import WaitingLine, group_by_site, pickup_due
from server.logistics.policy import ConsolidationRules, load_policy

RULES = ConsolidationRules(window_days=5, min_value=250.0, min_volume_l=80.0, deadline_lead_days=2, urgency_weight=10.0)
POLICY = replace(load_policy(), consolidation=RULES)
MONDAY = date(2026, 3, 2)


def waiting(line_id="RL-1", value=40.0, volume_l=6.0, since=MONDAY, deadline=None, site_id=7) -> WaitingLine:
    return WaitingLine(line_id, site_id, value, volume_l, since, deadline, weight_kg=2.0)


def test_pickup_waits_while_value_and_volume_are_under_the_thresholds():
    decision = pickup_due([waiting("RL-1"), waiting("RL-2")], MONDAY + timedelta(days=1), POLICY)

    assert not decision.due and not decision.mandatory
    assert decision.deadline == MONDAY + timedelta(days=5)
    assert decision.reason == (
        "Wait: €80 and 12 l waiting, under the €250 and 80 l pickup thresholds; collect by 2026-03-07 at the latest."
    )


def test_pickup_is_due_when_the_value_waiting_reaches_the_threshold():
    decision = pickup_due([waiting("RL-1", value=200.0), waiting("RL-2", value=50.0)], MONDAY, POLICY)

    assert decision.due and not decision.mandatory
    assert decision.reason == "Due: €250 waiting reaches the €250 pickup threshold."


def test_pickup_is_due_when_the_volume_waiting_reaches_the_threshold():
    decision = pickup_due([waiting("RL-1", volume_l=50.0), waiting("RL-2", volume_l=30.0)], MONDAY, POLICY)

    assert decision.due and not decision.mandatory
    assert decision.reason == "Due: 80 l waiting reaches the 80 l pickup threshold."


def test_warranty_deadline_forces_the_pickup_its_transit_days_before():
    claim = waiting("RL-9", deadline=MONDAY + timedelta(days=4))

    before = pickup_due([claim], MONDAY + timedelta(days=1), POLICY)
    on_the_day = pickup_due([claim], MONDAY + timedelta(days=2), POLICY)

    assert before.deadline == on_the_day.deadline == MONDAY + timedelta(days=2)
    assert not before.due
    assert on_the_day.due and on_the_day.mandatory
    assert on_the_day.reason == (
        "Mandatory: line RL-9 must reach its facility by 2026-03-06 and takes 2 days in transit, "
        "so it must be collected by 2026-03-04."
    )


def test_end_of_the_window_forces_the_pickup():
    lines = [waiting("RL-1"), waiting("RL-2", since=MONDAY + timedelta(days=3))]

    decision = pickup_due(lines, MONDAY + timedelta(days=5), POLICY)

    assert decision.due and decision.mandatory
    assert decision.reason == (
        "Mandatory: line RL-1 has waited since 2026-03-02 and the window is 5 days, "
        "so it must be collected by 2026-03-07."
    )


def test_overdue_pickup_stays_mandatory_and_says_how_late():
    decision = pickup_due([waiting()], MONDAY + timedelta(days=7), POLICY)

    assert decision.mandatory
    assert decision.reason.endswith("must be collected by 2026-03-07, 2 days late.")


def test_a_far_deadline_does_not_extend_the_window():
    decision = pickup_due([waiting(deadline=MONDAY + timedelta(days=30))], MONDAY, POLICY)

    assert decision.deadline == MONDAY + timedelta(days=RULES.window_days)


def test_prize_is_the_value_at_stake_plus_urgency_as_the_deadline_comes_closer():
    lines = [waiting("RL-1", value=100.0), waiting("RL-2", value=20.0)]

    assert pickup_due(lines, MONDAY, POLICY).prize == 120.0
    assert pickup_due(lines, MONDAY + timedelta(days=3), POLICY).prize == 120.0 + 3 * RULES.urgency_weight
    assert pickup_due(lines, MONDAY + timedelta(days=7), POLICY).prize == 120.0 + 7 * RULES.urgency_weight


def test_lines_worth_less_than_nothing_add_nothing_to_the_prize():
    decision = pickup_due([waiting("RL-1", value=30.0), waiting("RL-2", value=-4.5)], MONDAY, POLICY)

    assert decision.prize == 30.0 and decision.value == 30.0


def test_decision_carries_the_load_for_the_route_planner():
    decision = pickup_due([waiting("RL-1", volume_l=5.0), waiting("RL-2", volume_l=7.5)], MONDAY, POLICY)

    assert (decision.site_id, decision.volume_l, decision.weight_kg) == (7, 12.5, 4.0)


def test_nothing_waiting_is_never_due():
    decision = pickup_due([], MONDAY, POLICY)

    assert (decision.due, decision.mandatory, decision.prize, decision.deadline) == (False, False, 0.0, None)


def test_lines_of_two_sites_are_refused():
    with pytest.raises(ValueError, match=r"one site, got sites \[7, 8\]; use group_by_site"):
        pickup_due([waiting(site_id=7), waiting(site_id=8)], MONDAY, POLICY)


def test_lines_are_grouped_by_site_in_site_order():
    a, b, c = waiting("RL-1", site_id=9), waiting("RL-2", site_id=4), waiting("RL-3", site_id=9)

    assert group_by_site([a, b, c]) == {4: (b,), 9: (a, c)}


lines_at_one_site = st.lists(
    st.builds(
        waiting,
        line_id=st.text(min_size=1, max_size=4),
        value=st.floats(-500, 2000),
        volume_l=st.floats(0, 200),
        since=st.integers(0, 20).map(lambda d: MONDAY - timedelta(days=d)),
        deadline=st.none() | st.integers(-5, 40).map(lambda d: MONDAY + timedelta(days=d)),
    ),
    max_size=8,
)


@given(lines=lines_at_one_site, days_later=st.integers(-3, 30))
def test_prize_is_never_negative_and_mandatory_pickups_are_due(lines, days_later):
    today = MONDAY + timedelta(days=days_later)

    decision = pickup_due(lines, today, POLICY)

    assert decision.prize >= 0
    assert decision.due or not decision.mandatory
    assert decision.mandatory == (decision.deadline is not None and today >= decision.deadline)
    if lines:
        assert decision.deadline <= min(line.waiting_since for line in lines) + timedelta(days=RULES.window_days)
