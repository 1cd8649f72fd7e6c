"""Fixtures for the end-to-end integration tests: the server on a loopback port, a link to it that fails
when told to, and the fake source system (tests/integration/fake_source.py) holding the "erp" key.

The world (engineers, a dispatcher, facilities, a few parts) is the server
tests' one (tests/server_fixtures.py); the source's own records come from
tests/integration/source_records.py.
"""

import pytest

from fake_source import FakeSource
from integration_fixtures import integration_key  # noqa: F401  (fixture)
from server_fixtures import amy, dana, logistics, phone_of, world  # noqa: F401  (fixtures)
from tcp_proxy import FlakyLink

INTEGRATION_PATHS = ("/api/v1/integration/",)


@pytest.fixture
def link(live_server):
    """A FlakyLink to the live server that fails only integration requests (when told to)."""
    opened = FlakyLink(live_server.port, fault_paths=INTEGRATION_PATHS)
    yield opened
    opened.close()


@pytest.fixture
def source(link, integration_key):
    """The fake source system, reaching the server through `link`, with the "erp" integration's key."""
    _integration, key = integration_key
    return FakeSource(link.url, key)
