"""An integration account with a live API key, for tests of the endpoints other systems call.

Import the fixture where it is needed: ``from integration_fixtures import integration_key  # noqa: F401``.
"""

import pytest

import factories as make
from common.enums import Role
from server.services.integration import accounts


def integration_with_key(session, name: str = "ERP", source: str = "erp", label: str = "test"):
    """A new integration (created by a new admin) and the plain text of a key issued to it."""
    admin = make.user(session, f"admin.{source}", Role.ADMIN)
    integration = accounts.create_integration(session, name, source, by=admin)
    _key, plain = accounts.issue_key(session, integration.id, label, by=admin)
    return integration, plain


@pytest.fixture
def integration_key(session):
    """(integration, plain key) for the source "erp"; send the key as ``Authorization: Bearer <key>``."""
    return integration_with_key(session)
