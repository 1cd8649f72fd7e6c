"""Which days can be planned or asked for, how a day and a site's opening days are named, and how access hours
are written ("mon-fri 08:00-17:00; sat 09:00-12:00").

Plain Python: the planning service and the customer's reschedule both ask
these questions; the answers are sentences a dispatcher or customer reads.
"""

from datetime import date, time, timedelta
import re

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A site's access hours when none are given.
DEFAULT_HOURS = "mon-fri 08:00-17:00"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def access_window(access_hours: dict, day: date) -> tuple[int, int] | None:
    """The site's opening on `day`, in minutes from midnight (first to last opening), or None if closed."""
    periods = access_hours.get(WEEKDAYS[day.weekday()]) or []
    if not periods:
        return None
    opens = min(_minutes(time.fromisoformat(p[0])) for p in periods)
    closes = max(_minutes(time.fromisoformat(p[1])) for p in periods)
    return (opens, closes) if closes > opens else None


def day_label(day: date, today: date) -> str:
    """'Wednesday 2 December', with the year when it is not this year's: 'Wednesday 15 January 2020'."""
    label = f"{_DAY_NAMES[day.weekday()]} {day.day} {day:%B}"
    return label if day.year == today.year else f"{label} {day.year}"


def opening_days(access_hours: dict) -> str:
    """The weekdays a site opens, in words: 'Monday to Friday', 'Monday, Wednesday and Friday', 'no day'."""
    open_days = [i for i in range(7) if access_window(access_hours, date(2024, 1, 1) + timedelta(days=i))]
    if not open_days:
        return "no day"
    if len(open_days) > 2 and open_days == list(range(open_days[0], open_days[-1] + 1)):
        return f"{_DAY_NAMES[open_days[0]]} to {_DAY_NAMES[open_days[-1]]}"
    names = [_DAY_NAMES[i] for i in open_days]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def last_plannable_day(today: date, horizon_days: int) -> date:
    return today + timedelta(days=horizon_days)


def why_not_plannable(day: date, today: date, horizon_days: int) -> str | None:
    """Why `day` cannot be planned (a past day, or beyond the horizon), or None if it can."""
    last = last_plannable_day(today, horizon_days)
    if day < today:
        return f"{day_label(day, today)} is past: plan a day from today to {day_label(last, today)}."
    if day > last:
        return (f"{day_label(day, today)} is beyond the planning horizon: plan a day from today "
                f"to {day_label(last, today)} ({horizon_days} days ahead).")
    return None


def next_open_day(access_hours: dict, after: date, last: date) -> date | None:
    """The first day after `after`, up to `last`, on which the site opens; None if there is none."""
    day = after + timedelta(days=1)
    while day <= last:
        if access_window(access_hours, day) is not None:
            return day
        day += timedelta(days=1)
    return None


def parse_access_hours(text: str) -> dict:
    """'mon-fri 08:00-17:00; sat 09:00-12:00' → {"mon": [["08:00", "17:00"]], …}; ValueError saying what is wrong."""
    hours: dict[str, list[list[str]]] = {}
    for part in filter(None, (p.strip() for p in text.lower().split(";"))):
        match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?\s+(\d{2}:\d{2})-(\d{2}:\d{2})", part)
        if not match or match[1] not in WEEKDAYS or (match[2] and match[2] not in WEEKDAYS):
            raise ValueError(f"Cannot read {part!r}: write e.g. '{DEFAULT_HOURS}'.")
        first, last = WEEKDAYS.index(match[1]), WEEKDAYS.index(match[2] or match[1])
        opens, closes = match[3], match[4]
        if not ("00:00" <= opens < closes <= "24:00") or last < first:
            raise ValueError(f"{part!r} closes before it opens.")
        for day in WEEKDAYS[first:last + 1]:
            hours.setdefault(day, []).append([opens, closes])
    return hours
