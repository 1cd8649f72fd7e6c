"""Which resolutions each kind of review item allows, listed in one place."""

from common.enums import ReviewAction, ReviewKind

A = ReviewAction

REVIEW_ACTIONS: dict[ReviewKind, tuple[ReviewAction, ...]] = {
    # The item is physically in the remover's van: either the records were wrong, or the line was.
    ReviewKind.REMOVAL_ELSEWHERE: (A.MOVE_SERIAL, A.VOID_LINE),
    ReviewKind.INSTALL_ELSEWHERE: (A.MOVE_SERIAL, A.DISMISS),
    ReviewKind.COMPLETION_AFTER_REASSIGNMENT: (A.COMPLETE_JOB, A.DISMISS),
    # The install stands either way: the part it replaced stays unconfirmed (chased), or is written off now.
    ReviewKind.INSTALL_WITHOUT_REMOVAL: (A.DISMISS, A.VOID_LINE),
}


def check_action(kind: ReviewKind, action: ReviewAction) -> None:
    """Raise ValueError unless `action` resolves an item of `kind`."""
    allowed = REVIEW_ACTIONS[ReviewKind(kind)]
    if ReviewAction(action) not in allowed:
        raise ValueError(f"A {kind} item is resolved by {' or '.join(allowed)}, not {action}.")
