"""Integration accounts and their keys: issued once, stored hashed, refused once revoked or disabled."""

import sqlalchemy as sa

from common.enums import Role
from integration_fixtures import integration_key  # noqa: F401
from server.models import IntegrationKey, User
from server.services.integration import accounts


def test_a_key_is_stored_only_as_its_digest(session, integration_key):
    integration, plain = integration_key
    stored = session.scalars(sa.select(IntegrationKey)).one()
    assert plain.startswith(f"flk_{stored.prefix}_")
    assert stored.key_digest == accounts.digest(plain)
    assert plain not in {stored.key_digest, stored.prefix, stored.label}


def test_an_integration_acts_as_its_own_user_of_role_integration(session, integration_key):
    integration, _plain = integration_key
    user = session.get(User, integration.user_id)
    assert user.role == Role.INTEGRATION and user.display_name == "ERP" and user.username == "integration.erp"
