"""The source of a job's replacement: van, then refurbished before new, nearest first, else a shortage."""

from hypothesis import given, strategies as st

from common.enums import GradePolicy, StockGrade
from server.logistics.reservations import StockPlace, choose_source

SITE = (51.50, -0.12)
NEAR = StockPlace(1, "NEAR", 51.52, -0.10, {StockGrade.NEW: 3})
FAR = StockPlace(2, "TPK", 51.60, -0.30, {StockGrade.REFURBISHED: 2})
VAN = 9


def choose(policy=GradePolicy.REFURBISHED_FIRST, van=None, places=(NEAR, FAR), quantity=1):
    return choose_source("PRN-FUS-220", quantity, policy, van_location_id=VAN, van_available=van or {},
                         site=SITE, places=list(places))


def test_a_unit_in_the_van_is_chosen_before_any_stock():
    choice = choose(van={StockGrade.NEW: 1})
    assert (choice.location_id, choice.grade, choice.from_van) == (VAN, StockGrade.NEW, True)
    assert choice.reason == "New unit from the engineer's van: no delivery needed"


def test_refurbished_stock_further_away_is_chosen_before_new_stock_nearby():
    choice = choose()
    assert (choice.location_id, choice.grade) == (FAR.location_id, StockGrade.REFURBISHED)
    assert choice.reason.startswith("Refurbished unit from TPK (")
    assert choice.reason.endswith(" km): the circular choice; van holds none")


def test_a_part_that_must_be_new_takes_new_stock_even_when_refurbished_is_free():
    choice = choose(policy=GradePolicy.NEW_ONLY, van={StockGrade.REFURBISHED: 1})
    assert (choice.location_id, choice.grade) == (NEAR.location_id, StockGrade.NEW)
    assert "the part must be new" in choice.reason


def test_new_stock_is_chosen_when_no_refurbished_unit_is_free():
    choice = choose(places=(NEAR, StockPlace(2, "TPK", 51.6, -0.3, {StockGrade.REFURBISHED: 0})))
    assert choice.grade == StockGrade.NEW
    assert "no refurbished unit free" in choice.reason


def test_the_nearest_place_holding_the_grade_is_chosen():
    nearer = StockPlace(3, "CLOSE", 51.501, -0.121, {StockGrade.REFURBISHED: 1})
    assert choose(places=(FAR, nearer)).location_id == nearer.location_id


def test_nothing_free_anywhere_is_a_shortage_with_its_reason():
    choice = choose(places=(), van={StockGrade.FAULTY: 4})
    assert choice.short and choice.grade is None
    assert choice.reason == ("Shortage: no refurbished or new PRN-FUS-220 free in the van or any stock location "
                             "(1 needed)")


def test_a_place_with_fewer_units_than_needed_is_not_a_source():
    assert choose(places=(FAR,), quantity=3).short


@given(van=st.dictionaries(st.sampled_from(list(StockGrade)), st.integers(0, 3)),
       stock=st.lists(st.dictionaries(st.sampled_from(list(StockGrade)), st.integers(0, 3)), max_size=4),
       policy=st.sampled_from(list(GradePolicy)), quantity=st.integers(1, 3))
def test_a_choice_never_takes_a_grade_the_policy_forbids_or_more_than_is_free(van, stock, policy, quantity):
    places = [StockPlace(i + 1, f"F{i}", 51 + i / 10, 0.0, free) for i, free in enumerate(stock)]
    choice = choose(policy=policy, van=van, places=places, quantity=quantity)
    if choice.short:
        return
    assert choice.grade in ({StockGrade.NEW} if policy == GradePolicy.NEW_ONLY
                            else {StockGrade.NEW, StockGrade.REFURBISHED})
    free = van if choice.from_van else places[choice.location_id - 1].available
    assert free[choice.grade] >= quantity
