"""The refurbishment bench's order and capacity rule, with plain values."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from server.logistics.bench import QueuedItem, bench_hours_on, fits_today, order_queue

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def item(line_id: str, part_number: str = "PRN-FUS-220", days_waiting: int = 0, *, ready: int = 5, target: int = 0,
         hours: float = 1.0, yield_: float = 1.0, quantity: int = 1) -> QueuedItem:
    return QueuedItem(line_id, part_number, MONDAY - timedelta(days=days_waiting), hours, yield_, ready, target,
                      quantity)


def ids(entries) -> list[str]:
    return [e.item.line_id for e in entries]


def test_an_item_whose_part_is_under_target_comes_before_an_older_one_whose_part_is_not():
    queue = order_queue([item("old-fuser", days_waiting=9, ready=5, target=2),
                         item("new-switch", "NET-SW-24", days_waiting=1, ready=0, target=3)])
    assert ids(queue) == ["new-switch", "old-fuser"]
    assert [e.needed for e in queue] == [True, False]


def test_items_of_equal_need_are_worked_oldest_first():
    queue = order_queue([item("b", days_waiting=2), item("a", days_waiting=7), item("c", days_waiting=4)])
    assert ids(queue) == ["a", "c", "b"]


def test_only_as_many_units_as_close_the_gap_count_as_needed():
    """Fusers are one short of target: the oldest fuser is needed, the next one waits behind other parts' age."""
    queue = order_queue([item("fuser-1", days_waiting=6, ready=1, target=2),
                         item("fuser-2", days_waiting=5, ready=1, target=2),
                         item("roller", "PRN-RLR-KIT", days_waiting=8, ready=9, target=0)])
    assert ids(queue) == ["fuser-1", "roller", "fuser-2"]
    assert [e.shortfall for e in queue] == [1, 0, 0]


def test_a_low_yield_part_needs_more_units_on_the_bench_to_close_its_gap():
    """Yield 0.5 and one short: two units are needed to expect one sellable part."""
    queue = order_queue([item(f"psu-{n}", "POS-PSU", days_waiting=9 - n, ready=0, target=1, yield_=0.5)
                         for n in range(3)])
    assert [e.needed for e in queue] == [True, True, False]


def test_a_day_takes_the_queue_in_order_while_hours_last_and_passes_over_what_does_not_fit():
    queue = order_queue([item("a", days_waiting=3, hours=3), item("b", days_waiting=2, hours=4),
                         item("c", days_waiting=1, hours=1)])
    assert ids(fits_today(queue, capacity_hours=5)) == ["a", "c"]


def test_a_facility_has_its_bench_hours_on_weekdays_and_none_at_the_weekend():
    assert [bench_hours_on(date(2026, 11, 30) + timedelta(days=n), 6.0) for n in range(7)] == [6, 6, 6, 6, 6, 0, 0]


queued = st.lists(
    st.builds(item, st.uuids().map(str), st.sampled_from(["A", "B", "C"]), st.integers(0, 30),
              ready=st.integers(0, 4), target=st.integers(0, 4), hours=st.floats(0, 8),
              yield_=st.floats(0, 1), quantity=st.integers(1, 3)),
    max_size=25,
)


@given(queued, st.floats(0, 40))
def test_what_fits_a_day_never_takes_more_than_its_hours_and_keeps_queue_order(items, capacity_hours):
    queue = order_queue(items)
    chosen = fits_today(queue, capacity_hours)
    assert sum(e.item.hours for e in chosen) <= capacity_hours + 1e-6
    positions = [queue.index(e) for e in chosen]
    assert positions == sorted(positions)
    assert all(e.item.hours > capacity_hours - sum(c.item.hours for c in chosen if queue.index(c) < queue.index(e))
               for e in queue if e not in chosen)


@given(queued)
def test_every_needed_item_comes_before_every_item_not_needed(items):
    needed = [e.needed for e in order_queue(items)]
    assert needed == sorted(needed, reverse=True)
