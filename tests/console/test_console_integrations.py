"""The Integrations page: admins create integrations, issue keys (shown once) and revoke them."""

import re

import sqlalchemy as sa

from server.models import Integration, IntegrationKey
from server.services.integration import accounts

PAGE = "/console/integrations"


def issued_key(html: str) -> str:
    return re.search(r'id="plain-key">(flk_[^<]+)<', html).group(1)


def only_integration(session) -> Integration:
    """The one integration, read in a transaction of its own (the test's session sees the latest commits)."""
    session.rollback()
    return session.scalars(sa.select(Integration)).one()


def whoami(console, plain: str):
    return console.get("/api/v1/integration/whoami", headers={"Authorization": f"Bearer {plain}"})


def test_an_admin_creates_an_integration_and_sees_its_new_key_once(admin, session):
    created = admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    assert created.status_code == 303
    integration = only_integration(session)
    answer = admin.post(f"{PAGE}/{integration.id}/keys", {f"integration-{integration.id}-label": "production"})
    assert answer.status_code == 201
    plain = issued_key(answer.get_data(as_text=True))
    session.rollback()
    assert session.scalar(sa.select(IntegrationKey.key_digest)) == accounts.digest(plain)
    again = admin.get(PAGE).get_data(as_text=True)
    assert plain not in again and "production" in again


def test_a_taken_source_is_shown_under_its_field(admin, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    answer = admin.post(PAGE, {"name": "Other", "source": "acme"})
    assert answer.status_code == 422
    assert "already used by another integration" in answer.get_data(as_text=True)


def test_an_admin_revokes_a_key(admin, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    integration = only_integration(session)
    plain = issued_key(admin.post(f"{PAGE}/{integration.id}/keys",
                                  {f"integration-{integration.id}-label": "production"}).get_data(as_text=True))
    session.rollback()
    key_id = session.scalar(sa.select(IntegrationKey.id))
    assert admin.post(f"{PAGE}/{integration.id}/keys/{key_id}/revoke").status_code == 303
    assert whoami(admin, plain).status_code == 401


def test_a_revoke_without_the_csrf_token_changes_nothing(admin, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    integration = only_integration(session)
    admin.post(f"{PAGE}/{integration.id}/keys", {f"integration-{integration.id}-label": "production"})
    session.rollback()
    key_id = session.scalar(sa.select(IntegrationKey.id))
    assert admin.post_raw(f"{PAGE}/{integration.id}/keys/{key_id}/revoke").status_code == 400
    session.rollback()
    assert session.get(IntegrationKey, key_id).revoked_at is None


def test_disabling_an_integration_refuses_its_keys_until_enabled(admin, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    integration = only_integration(session)
    plain = issued_key(admin.post(f"{PAGE}/{integration.id}/keys",
                                  {f"integration-{integration.id}-label": "production"}).get_data(as_text=True))
    assert admin.post(f"{PAGE}/{integration.id}/disable").status_code == 303
    assert whoami(admin, plain).status_code == 401
    assert admin.post(f"{PAGE}/{integration.id}/enable").status_code == 303
    assert whoami(admin, plain).status_code == 200


def test_a_dispatcher_may_not_open_the_page(dispatcher):
    assert dispatcher.get(PAGE).status_code == 403
    assert dispatcher.post(PAGE, {"name": "Acme ERP", "source": "acme"}).status_code == 403


def test_the_users_page_leads_admins_to_it(admin):
    assert f'href="{PAGE}"' in admin.get("/console/users").get_data(as_text=True)


def test_integration_accounts_are_not_listed_among_the_people(admin, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    assert "integration.acme" not in admin.get("/console/users").get_data(as_text=True)
    assert "integration.acme" in admin.get(PAGE).get_data(as_text=True)


def test_an_integration_account_cannot_sign_in_to_the_console(admin, other_browser, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    for password in (accounts.NO_PASSWORD, ""):
        answer = other_browser.sign_in("integration.acme", password)
        assert answer.status_code != 302
    assert other_browser.get(PAGE).status_code == 302  # still signed out: to the sign-in page


def test_the_user_records_leave_integration_accounts_alone(admin, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    integration = only_integration(session)
    assert "integration.acme" not in admin.get("/console/admin/users/").get_data(as_text=True)
    edit = admin.get(f"/console/admin/users/edit/?id={integration.user_id}")
    assert edit.status_code in (302, 404) and "integration.acme" not in edit.get_data(as_text=True)


def test_an_admin_sets_an_integrations_webhook_needs_a_secret_and_removes_it(admin, session):
    admin.post(PAGE, {"name": "Acme ERP", "source": "acme"})
    integration = only_integration(session)
    url, field = f"{PAGE}/{integration.id}/webhook", f"webhook-{integration.id}"
    refused = admin.post(url, {f"{field}-url": "http://127.0.0.1:9/feed", f"{field}-secret": ""})
    assert refused.status_code == 422
    assert "A webhook needs a secret to sign its deliveries with." in refused.get_data(as_text=True)
    assert only_integration(session).webhook_url is None
    assert admin.post(url, {f"{field}-url": "http://127.0.0.1:9/feed", f"{field}-secret": "s3cret"}).status_code == 303
    integration = only_integration(session)
    assert (integration.webhook_url, integration.webhook_secret) == ("http://127.0.0.1:9/feed", "s3cret")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "http://127.0.0.1:9/feed" in page and "s3cret" not in page
    assert admin.post(url, {f"{field}-url": "", f"{field}-secret": ""}).status_code == 303
    integration = only_integration(session)
    assert (integration.webhook_url, integration.webhook_secret) == (None, None)
