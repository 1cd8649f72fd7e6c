"""Fixtures for the security tests: the small world of the server tests, signed-in callers."""

from server_fixtures import amy, ben, dana, logistics, phone_of, world  # noqa: F401
