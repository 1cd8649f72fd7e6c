"""Look-alike characters in typed serials: the one spelling the part's pattern allows, or no guess."""

from hypothesis import given
from hypothesis import strategies as st

from common.validation import CatalogueEntry
from mobile.serials import look_alike_message, meant

FUSER = CatalogueEntry("PRN-FUS-220", True, "AR[0-9]{8}")


def test_a_serial_that_fits_needs_no_guess():
    assert meant("AR00000001", FUSER) is None and look_alike_message("AR00000001", FUSER) == ""


def test_letters_where_the_pattern_wants_digits_are_read_as_digits():
    assert meant("ARO0OOIOO1", FUSER) == "AR00001001"


def test_a_serial_too_short_or_of_a_part_without_a_pattern_gets_no_guess():
    assert meant("AR0000O", FUSER) is None
    assert meant("X0O", CatalogueEntry("PRN-RLR-KIT", False, None)) is None


def test_no_guess_when_two_spellings_would_fit():
    either = CatalogueEntry("ODD-1", True, "[A-Z0-9][0-9]")
    assert meant("OO", either) is None  # O0 and 00 both fit


@given(st.text(alphabet="AR0O1Il", max_size=14))
def test_a_guess_always_fits_the_pattern_and_differs_only_in_look_alikes(typed):
    guess = meant(typed, FUSER)
    if guess is not None:
        assert len(guess) == len(typed.strip())
        assert all(a == b or {a, b} in ({"O", "0"}, {"I", "1"}) for a, b in zip(typed.strip().upper(), guess))
