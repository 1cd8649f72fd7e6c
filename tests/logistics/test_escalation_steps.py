"""Escalation: engineer, dispatcher, customer, write-off — each step once, in order, when due."""

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.logistics.escalation import STEPS, ChasingRules, steps_due
from server.logistics.policy import DEFAULT_RULES_PATH, load_policy, parse_policy

RULES = ChasingRules(engineer_reminder_days=1, dispatcher_days=3, customer_days=7, write_off_days=30)


def test_a_line_old_enough_takes_every_step_due_in_order():
    assert steps_due(RULES, None, 8) == ["engineer_reminder", "dispatcher", "customer"]


def test_a_step_taken_is_never_due_again():
    assert steps_due(RULES, "dispatcher", 8) == ["customer"]
    assert steps_due(RULES, "write_off", 400) == []


@given(st.lists(st.floats(0, 100), min_size=1, max_size=20))
def test_over_any_run_of_checks_each_step_is_taken_at_most_once_and_in_order(ages):
    reached, taken = None, []
    for age in sorted(ages):
        for step in steps_due(RULES, reached, age):
            taken.append(step)
            reached = step
    assert taken == list(STEPS[:len(taken)])


def test_the_default_rules_chase_for_thirty_days_before_writing_off():
    assert load_policy().chasing.write_off_days == 30


def test_steps_whose_days_decrease_are_refused():
    data = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    data["chasing"]["customer_days"] = 2
    with pytest.raises(ValueError, match="chasing"):
        parse_policy(data)
