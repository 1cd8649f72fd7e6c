"""Which days can be planned or asked for, and how days and opening days are named."""

from datetime import date

from server.logistics.plan_days import day_label, next_open_day, opening_days, why_not_plannable

TODAY = date(2026, 12, 1)
WEEKDAYS_ONLY = {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_a_day_of_this_year_is_named_without_the_year_and_another_years_with_it():
    assert day_label(date(2026, 12, 2), TODAY) == "Wednesday 2 December"
    assert day_label(date(2020, 1, 15), TODAY) == "Wednesday 15 January 2020"


def test_past_days_and_days_beyond_the_horizon_cannot_be_planned():
    assert why_not_plannable(date(2020, 1, 15), TODAY, 60) == (
        "Wednesday 15 January 2020 is past: plan a day from today to Saturday 30 January 2027.")
    assert "beyond the planning horizon" in why_not_plannable(date(9999, 12, 31), TODAY, 60)
    assert why_not_plannable(TODAY, TODAY, 60) is None
    assert why_not_plannable(date(2027, 1, 30), TODAY, 60) is None


def test_opening_days_are_named_as_a_range_or_a_list():
    assert opening_days(WEEKDAYS_ONLY) == "Monday to Friday"
    assert opening_days({"mon": [["08:00", "12:00"]], "wed": [["08:00", "12:00"]]}) == "Monday and Wednesday"
    assert opening_days({}) == "no day"


def test_the_next_open_day_skips_the_weekend_and_stops_at_the_last_day():
    friday = date(2026, 12, 4)
    assert next_open_day(WEEKDAYS_ONLY, friday, date(2026, 12, 31)) == date(2026, 12, 7)
    assert next_open_day(WEEKDAYS_ONLY, friday, date(2026, 12, 6)) is None
