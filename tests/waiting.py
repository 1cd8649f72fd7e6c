"""Waiting for something another thread or process does, with a deadline."""

import time
from typing import Callable


def wait_for(condition: Callable[[], bool], timeout_s: float, interval_s: float = 0.1) -> bool:
    """True as soon as `condition()` holds; False if it still does not after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)
