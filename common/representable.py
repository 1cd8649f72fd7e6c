"""What the server's database and JSON can hold: one rule the phone and the server both apply.

A value outside it is refused with a reason (an event is rejected, a request answered 4xx)
instead of failing where it is stored. A value inside it is accepted however implausible:
a phone whose clock went back to 1970 still saves and syncs, and the server flags the time.
"""

import math
import re
from datetime import datetime, timezone

#: Record ids are 32-bit integers.
MAX_RECORD_ID = 2**31 - 1
#: A device's sequence numbers are 64-bit integers (kept below 2**62 for arithmetic headroom).
MAX_SEQ = 2**62
#: Deepest nesting a JSON request may carry; the server cuts off and refuses anything deeper.
MAX_JSON_DEPTH = 32

TEXT_WITH_NUL = "Text may not contain the NUL character (\\u0000)."
TEXT_WITH_SURROGATE = "Text may not contain a lone UTF-16 surrogate (\\ud800 to \\udfff)."
NOT_FINITE = "Numbers must be finite (no NaN or Infinity)."
NESTED_TOO_DEEP = f"Values may not be nested more than {MAX_JSON_DEPTH} levels deep."
BAD_FIELD_NAME = "A field name may contain neither the NUL character nor a lone UTF-16 surrogate."
TIME_OUT_OF_RANGE = "This time is outside the years 1 to 9999 once converted to UTC."

#: A reason is given at the field it concerns (``payload.notes``), not at every level below it.
_REPORTED_PATH_LENGTH = 2

_SURROGATE = re.compile("[\ud800-\udfff]")


class TooDeep:
    """Stands, in a parsed request, for a part nested deeper than MAX_JSON_DEPTH."""

    def __repr__(self) -> str:
        return "<nested too deep>"


TOO_DEEP = TooDeep()


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored (PostgreSQL refuses NUL; UTF-8 cannot encode a lone surrogate)."""
    if "\x00" in text:
        return TEXT_WITH_NUL
    if _SURROGATE.search(text):
        return TEXT_WITH_SURROGATE
    return None


def time_problem(moment: datetime) -> str | None:
    """Why an aware `moment` cannot be stored: the database keeps times in UTC."""
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        return TIME_OUT_OF_RANGE
    return None


def value_problems(value) -> dict:
    """Field-level reasons why a JSON value cannot be stored, in marshmallow's form ({} when it can)."""
    problems: dict = {}
    _collect(value, [], 1, problems)
    return problems


def _collect(value, path: list, depth: int, problems: dict) -> None:
    if depth > MAX_JSON_DEPTH or value is TOO_DEEP:
        _add(problems, path, NESTED_TOO_DEEP)
    elif isinstance(value, str):
        if (problem := text_problem(value)) is not None:
            _add(problems, path, problem)
    elif isinstance(value, float):
        if not math.isfinite(value):
            _add(problems, path, NOT_FINITE)
    elif isinstance(value, dict):
        for key, item in value.items():
            if text_problem(key) is not None:
                _add(problems, path, BAD_FIELD_NAME)
            else:
                _collect(item, [*path, key], depth + 1, problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _collect(item, [*path, i], depth + 1, problems)


def _add(problems: dict, path: list, message: str) -> None:
    path = path[:_REPORTED_PATH_LENGTH]
    if not path:
        problems.setdefault("_schema", []).append(message)
        return
    node = problems
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):  # a reason already given higher up covers this one
            return
    messages = node.setdefault(path[-1], [])
    if isinstance(messages, list) and message not in messages:
        messages.append(message)


def storable(value, depth: int = 1):
    """`value` with what cannot be stored written out as text, for keeping a copy of what was sent."""
    if depth > MAX_JSON_DEPTH or value is TOO_DEEP:
        return "…"
    if isinstance(value, str):
        return _storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {_storable_text(k): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value]
    return value


def _storable_text(text: str) -> str:
    if text_problem(text) is None:
        return text
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
