"""The state machine allows exactly the transitions listed, and refuses every other."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.enums import JobStatus, ReturnStatus
from server.logistics.states import (
    CLOSED_RETURN_STATUSES,
    RETURN_TRANSITIONS,
    IllegalTransition,
    job_transition,
    return_transition,
)


@given(st.sampled_from(list(ReturnStatus)), st.sampled_from(list(ReturnStatus)))
def test_a_return_line_moves_only_along_listed_transitions(current, target):
    if target in RETURN_TRANSITIONS[current]:
        assert return_transition(current, target) == target
    else:
        with pytest.raises(IllegalTransition, match=f"cannot become {target}"):
            return_transition(current, target)


def test_every_status_is_in_the_table():
    assert set(RETURN_TRANSITIONS) == set(ReturnStatus)


@pytest.mark.parametrize("final", sorted(CLOSED_RETURN_STATUSES))
def test_closed_lines_never_move_again(final):
    for target in ReturnStatus:
        with pytest.raises(IllegalTransition, match="final"):
            return_transition(final, target)


def test_every_open_status_can_reach_received():
    reachable = {ReturnStatus.AWAITING_DISPOSITION}
    frontier = list(reachable)
    while frontier:
        for nxt in RETURN_TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    # An unconfirmed line is opened by leak control, never reached from another status.
    assert reachable == set(ReturnStatus) - {ReturnStatus.UNCONFIRMED}


def test_an_unconfirmed_line_is_confirmed_by_a_late_removal_or_written_off():
    assert return_transition(ReturnStatus.UNCONFIRMED, ReturnStatus.AWAITING_DISPOSITION)
    assert return_transition(ReturnStatus.UNCONFIRMED, ReturnStatus.WRITTEN_OFF)
    with pytest.raises(IllegalTransition):
        return_transition(ReturnStatus.UNCONFIRMED, ReturnStatus.RECEIVED)


def test_a_completed_job_cannot_be_completed_again():
    with pytest.raises(IllegalTransition):
        job_transition(JobStatus.COMPLETED, JobStatus.COMPLETED)
    assert job_transition(JobStatus.OPEN, JobStatus.COMPLETED) == JobStatus.COMPLETED
