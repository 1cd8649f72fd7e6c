"""Which resolutions each kind of review item allows: every kind has a way to apply and a way to keep the records."""

import pytest

from common.enums import ReviewAction, ReviewKind
from server.logistics.reviews import REVIEW_ACTIONS, check_action


@pytest.mark.parametrize("kind", list(ReviewKind))
def test_every_kind_can_be_resolved_two_ways(kind):
    assert len(REVIEW_ACTIONS[kind]) == 2


def test_an_action_of_another_kind_is_refused_with_the_allowed_ones():
    check_action(ReviewKind.REMOVAL_ELSEWHERE, ReviewAction.VOID_LINE)
    with pytest.raises(ValueError, match="resolved by complete_job or dismiss, not void_line"):
        check_action(ReviewKind.COMPLETION_AFTER_REASSIGNMENT, ReviewAction.VOID_LINE)
