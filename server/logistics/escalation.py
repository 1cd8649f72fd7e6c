"""Chasing a line that did not come back: the steps, in order, each taken once per line.

An unconfirmed line (a job expected it back, nobody logged it) or an overdue one
is chased first with a reminder to the engineer who holds it, then the
dispatchers, then the customer, and finally written off with the value lost.
The days after which each step is due are data (rules.toml, [chasing]).
"""

from dataclasses import dataclass

ENGINEER_REMINDER = "engineer_reminder"
DISPATCHER = "dispatcher"
CUSTOMER = "customer"
WRITE_OFF = "write_off"
#: The steps in the order they are taken.
STEPS = (ENGINEER_REMINDER, DISPATCHER, CUSTOMER, WRITE_OFF)


@dataclass(frozen=True)
class ChasingRules:
    #: Days since removal (for an unconfirmed line: since the job's completion) after which each step is due.
    engineer_reminder_days: int
    dispatcher_days: int
    customer_days: int
    write_off_days: int

    def due_after_days(self, step: str) -> int:
        return getattr(self, f"{step}_days")


def steps_due(rules: ChasingRules, reached: str | None, age_days: float) -> list[str]:
    """The steps to take now, in order, for a line `age_days` old whose last step taken is `reached`
    (None: none yet). Steps already taken are never due again."""
    done = STEPS.index(reached) + 1 if reached is not None else 0
    return [step for step in STEPS[done:] if age_days >= rules.due_after_days(step)]
