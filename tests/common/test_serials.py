"""Serials and serial formats: one rule on phone and server, safe to match whatever is typed."""

import time

import pytest

from common.enums import EventType
from common.validation import CatalogueEntry, check_against_catalogue, serial_fits, serial_pattern_problem

FUSER = CatalogueEntry("PRN-FUS-220", serialised=True, serial_pattern="AR[0-9]{8}")
ROUTER = CatalogueEntry("NET-RTR-1", serialised=True, serial_pattern=None)
ROLLERS = CatalogueEntry("PRN-RLR-KIT", serialised=False)


def serial_errors(entry: CatalogueEntry, serial: str) -> list[str]:
    payload = {"part_number": entry.part_number, "serial": serial, "condition": "faulty"}
    return check_against_catalogue(EventType.PART_REMOVED, payload, lambda _: entry).get("payload", {}).get("serial", [])


@pytest.mark.parametrize("pattern", ["(a|a)+$", "(a+)+", "(a*)*b", "(?:AR|MD)*[0-9]", "((ab|cd)){2,}", "(x?)+",
                                     "([0-9]+-)*[0-9]", "(a|b){3}"])
def test_a_serial_format_that_repeats_a_repeating_or_branching_group_is_refused(pattern):
    assert "may not repeat a group" in serial_pattern_problem(pattern)


@pytest.mark.parametrize("pattern", ["AR[0-9]{8}", "(AR|MD)[0-9]{8}", "([A-Z]{2}-)?[0-9]+", "(?:AB)+[0-9]{4}",
                                     "[(|)+]+", r"\(a+\)+", "SN-[A-F0-9]{12}"])
def test_an_ordinary_serial_format_is_accepted(pattern):
    assert serial_pattern_problem(pattern) is None


def test_a_serial_format_is_bounded_in_length_and_must_be_a_regular_expression():
    assert "at most 120 characters" in serial_pattern_problem("A" * 121)
    assert serial_pattern_problem("AR[0-9").startswith("Not a valid regular expression")


@pytest.mark.serial  # asserts a bound on wall time
def test_matching_a_serial_against_an_explosive_format_gives_up_quickly():
    started = time.monotonic()
    assert not serial_fits("(a|a)+$", "a" * 63 + "b")
    assert time.monotonic() - started < 1.0


def test_a_serial_must_fit_its_parts_format():
    assert serial_errors(FUSER, "AR00000001") == []
    assert serial_errors(FUSER, "AR123") == ["'AR123' is not a valid serial for PRN-FUS-220."]


@pytest.mark.parametrize("serial", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-2", "@SUM(A1)", "AB 12",
                                    "\tX1"])
def test_a_part_without_a_format_takes_only_a_plain_serial(serial):
    assert serial_errors(ROUTER, serial) == [f"{serial!r} is not a valid serial for NET-RTR-1."]


@pytest.mark.parametrize("serial", ["RTR0001", "a1.b2/c3-d4_e5", "7"])
def test_a_plain_serial_fits_a_part_without_a_format(serial):
    assert serial_errors(ROUTER, serial) == []


def test_a_part_that_is_not_serialised_takes_no_serial():
    assert serial_errors(ROLLERS, "RLR0001") == ["PRN-RLR-KIT is not serialised: leave its serial empty."]
