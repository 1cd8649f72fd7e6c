"""Reading barcodes and QR codes from camera frames (zbar through pyzbar), and what a label holds.

Plain Python: the scan screen hands over a frame's pixels and gets text back.
A label may hold a serial alone, or a part number and a serial together
("PRN-FUS-220 AR00000001", or separated by | ; or a comma).
"""

import re

_SEPARATORS = re.compile(r"[|;,\s]+")


def available() -> bool:
    """True when the zbar library can be loaded."""
    try:
        from pyzbar import pyzbar  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def grey_from_rgba(pixels: bytes, width: int, height: int, flip: bool = True) -> bytes:
    """One byte per pixel (the green channel, close enough to luminance), rows top to bottom.

    A Kivy texture's rows run bottom to top, hence `flip`.
    """
    grey = pixels[1::4]
    if not flip:
        return grey
    return b"".join(grey[row * width:(row + 1) * width] for row in range(height - 1, -1, -1))


def decode(grey: bytes, width: int, height: int) -> list[str]:
    """The texts of the codes found in an 8-bit greyscale image."""
    from pyzbar import pyzbar

    return [symbol.data.decode("utf-8", "replace").strip() for symbol in pyzbar.decode((grey, width, height))]


def split_label(text: str, is_part_number) -> tuple[str | None, str]:
    """(part number, serial) from a label's text; the part number is None when the label has only a serial."""
    pieces = [p for p in _SEPARATORS.split(text.strip()) if p]
    if len(pieces) == 2 and is_part_number(pieces[0]):
        return pieces[0], pieces[1]
    return None, text.strip()
