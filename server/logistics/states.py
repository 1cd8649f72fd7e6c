"""The allowed status changes of return lines and jobs, listed in one place.

Every status change in Fieldloop goes through `return_transition`,
`job_transition` or `delivery_transition`; anything not listed here is refused.
"""

from common.enums import DeliveryStatus, JobStatus, ReturnStatus

R = ReturnStatus

RETURN_TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.AWAITING_DISPOSITION: frozenset({R.AWAITING_PICKUP, R.WITH_ENGINEER, R.DELIVERED, R.RECEIVED, R.WRITTEN_OFF}),
    # A dispatcher's override can send a waiting line back to be decided again.
    R.AWAITING_PICKUP: frozenset(
        {R.AWAITING_DISPOSITION, R.PICKUP_SCHEDULED, R.WITH_ENGINEER, R.DELIVERED, R.RECEIVED, R.WRITTEN_OFF}
    ),
    # "Not ready" or another day puts a scheduled pickup back in the queue.
    R.PICKUP_SCHEDULED: frozenset(
        {R.AWAITING_DISPOSITION, R.AWAITING_PICKUP, R.IN_TRANSIT, R.DELIVERED, R.RECEIVED, R.WRITTEN_OFF}
    ),
    R.WITH_ENGINEER: frozenset({R.AWAITING_DISPOSITION, R.AWAITING_PICKUP, R.DELIVERED, R.RECEIVED, R.WRITTEN_OFF}),
    R.IN_TRANSIT: frozenset({R.DELIVERED, R.RECEIVED, R.WRITTEN_OFF}),
    R.DELIVERED: frozenset({R.RECEIVED, R.WRITTEN_OFF}),
    R.RECEIVED: frozenset({R.PROCESSED, R.WRITTEN_OFF}),
    # A job expected it back and nobody logged its removal: a removal logged later confirms it,
    # the chasing writes it off.
    R.UNCONFIRMED: frozenset({R.AWAITING_DISPOSITION, R.WRITTEN_OFF}),
    R.PROCESSED: frozenset(),
    R.WRITTEN_OFF: frozenset(),
}

#: Statuses in which the item has not reached a facility yet.
OPEN_RETURN_STATUSES = frozenset(
    {R.AWAITING_DISPOSITION, R.AWAITING_PICKUP, R.PICKUP_SCHEDULED, R.WITH_ENGINEER, R.IN_TRANSIT}
)
#: Statuses that end a return line's journey.
CLOSED_RETURN_STATUSES = frozenset({R.PROCESSED, R.WRITTEN_OFF})

JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.OPEN: frozenset({JobStatus.COMPLETED, JobStatus.CANCELLED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.CANCELLED: frozenset({JobStatus.OPEN}),
}

D = DeliveryStatus
#: A delivery to a site skips the depot; one to the depot is there before it is collected ("delivered").
DELIVERY_TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    D.PLANNED: frozenset({D.DISPATCHED, D.AT_DEPOT, D.DELIVERED, D.CANCELLED}),
    D.DISPATCHED: frozenset({D.AT_DEPOT, D.DELIVERED, D.CANCELLED}),
    D.AT_DEPOT: frozenset({D.DELIVERED, D.CANCELLED}),
    D.DELIVERED: frozenset(),
    D.CANCELLED: frozenset(),
}


class IllegalTransition(ValueError):
    """A status change that the lifecycle does not allow."""


def _transition(table, kind: str, current, target):
    if target not in table[current]:
        allowed = ", ".join(sorted(table[current])) or "nothing: it is final"
        raise IllegalTransition(f"A {kind} that is {current} cannot become {target} (allowed: {allowed}).")
    return target


def return_transition(current: ReturnStatus, target: ReturnStatus) -> ReturnStatus:
    return _transition(RETURN_TRANSITIONS, "return line", ReturnStatus(current), ReturnStatus(target))


def job_transition(current: JobStatus, target: JobStatus) -> JobStatus:
    return _transition(JOB_TRANSITIONS, "job", JobStatus(current), JobStatus(target))


def delivery_transition(current: DeliveryStatus, target: DeliveryStatus) -> DeliveryStatus:
    return _transition(DELIVERY_TRANSITIONS, "delivery", DeliveryStatus(current), DeliveryStatus(target))
