"""Reading codes from camera frames, and what a scanned label holds."""

import pytest

from mobile import scanner

pytestmark = pytest.mark.skipif(not scanner.available(), reason="the zbar library (Debian: libzbar0) is not installed")

# Code 39: each character is 5 bars and 4 spaces, n(arrow) or w(ide), starting with a bar.
CODE39 = {
    "0": "nnnwwnwnn", "1": "wnnwnnnnw", "2": "nnwwnnnnw", "3": "wnwwnnnnn", "4": "nnnwwnnnw", "5": "wnnwwnnnn",
    "6": "nnwwwnnnn", "7": "nnnwnnwnw", "8": "wnnwnnwnn", "9": "nnwwnnwnn", "A": "wnnnnwnnw", "F": "nnwnwwnnn",
    "N": "nnnnwnnww", "P": "nnwnwnnwn", "R": "wnnnnnwwn", "S": "nnwnnnwwn", "U": "wwnnnnnnw", " ": "nwwnnnwnn",
    "-": "nwnnnnwnw", "*": "nwnnwnwnn",
}


def code39_frame(text: str, height: int = 48, narrow: int = 3, wide: int = 8, quiet: int = 40):
    """An RGBA frame of a Code 39 barcode, rows bottom to top as a Kivy texture holds them."""
    row = [255] * quiet
    for char in f"*{text}*":
        for i, element in enumerate(CODE39[char]):
            row += [0 if i % 2 == 0 else 255] * (wide if element == "w" else narrow)
        row += [255] * narrow
    row += [255] * quiet
    rgba = bytes(value for grey in row for value in (grey, grey, grey, 255))
    return rgba * height, len(row), height


def test_a_serial_barcode_in_a_camera_frame_is_read():
    pixels, width, height = code39_frame("AR00000001")
    grey = scanner.grey_from_rgba(pixels, width, height)
    assert scanner.decode(grey, width, height) == ["AR00000001"]


def test_a_frame_without_a_code_gives_nothing():
    width, height = 64, 48
    assert scanner.decode(bytes([200]) * width * height, width, height) == []


@pytest.mark.parametrize("text, expected", [
    ("AR00000001", (None, "AR00000001")),
    ("PRN-FUS-220 AR00000001", ("PRN-FUS-220", "AR00000001")),
    ("PRN-FUS-220|AR00000001", ("PRN-FUS-220", "AR00000001")),
    ("NOT-A-PART AR00000001", (None, "NOT-A-PART AR00000001")),
])
def test_a_label_with_a_part_number_and_a_serial_fills_both(text, expected):
    assert scanner.split_label(text, lambda part_number: part_number == "PRN-FUS-220") == expected
