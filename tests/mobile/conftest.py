"""Fixtures for the field app: phones on a live server, over the small named world (tests/server_fixtures.py).

A phone here is the app without its screens: its store in a temporary
folder, its API client, account and sync engine, pointed at a real server.
"""

import pytest

from field_phones import Phone
from server_fixtures import logistics, world  # noqa: F401  (fixtures)


@pytest.fixture
def amy(phone_at, world) -> Phone:
    """Amy's phone, signed in and synced once."""
    phone = phone_at()
    assert phone.engine.sync_once().state == "idle", phone.engine.status
    return phone
