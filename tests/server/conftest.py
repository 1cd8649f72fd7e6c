"""Fixtures for server tests: the small named world and signed-in phones (tests/server_fixtures.py)."""

from server_fixtures import amy, ben, dana, logistics, phone_of, world  # noqa: F401  (fixtures)
