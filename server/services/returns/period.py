"""A period of days that staff ask about (the figures, the returns export): from and to, both
inclusive, within the years the product keeps data for."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from server.services.errors import Invalid

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)


def period_errors(since: date | None, until: date | None, since_name: str = "since",
                  until_name: str = "until") -> dict[str, list[str]]:
    """What is wrong with a period, by field (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    for name, day in ((since_name, since), (until_name, until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            errors[name] = [f"Choose a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}."]
    if not errors and since is not None and until is not None and until < since:
        errors[until_name] = ["The period ends before it starts: choose a day on or after the first one."]
    return errors


@dataclass(frozen=True)
class Period:
    """Days from `since` to `until`, inclusive; either end may be open. Refused (Invalid) when out of reach."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self):
        errors = period_errors(self.since, self.until)
        if errors:
            raise Invalid("The period is not valid.", errors)

    @property
    def starts_at(self) -> datetime | None:
        return None if self.since is None else datetime.combine(self.since, time.min, tzinfo=timezone.utc)

    @property
    def ends_before(self) -> datetime | None:
        """The first instant after the period (its end is exclusive)."""
        return None if self.until is None else datetime.combine(self.until + timedelta(days=1), time.min,
                                                                tzinfo=timezone.utc)
