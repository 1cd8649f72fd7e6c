"""Integration keys over the API: issued once to admins, accepted only where integrations are, rate limited."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

import factories as make
from app_settings import TEST_CONFIG
from common.enums import Role
from integration_fixtures import integration_key  # noqa: F401
from server import clock, create_app
from server.extensions import db
from server.models import IntegrationKey
from server.services.integration import accounts

WHOAMI = "/api/v1/integration/whoami"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_token(client, session):
    make.user(session, "root", Role.ADMIN)
    r = client.post("/api/v1/auth/token",
                    json={"username": "root", "password": make.PASSWORD, "device_id": "device-root"})
    return r.get_json()["access_token"]


@pytest.fixture
def start_of_a_minute():
    """The server clock at the start of a minute, so that a test's requests fall in one rate window."""
    moment = (clock.now() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    clock.shift_to(moment)
    yield moment
    clock.reset()


def test_an_admin_creates_an_integration_and_is_shown_its_key_once(client, session, admin_token):
    created = client.post("/api/v1/integrations", json={"name": "Acme ERP", "source": "acme"},
                          headers=bearer(admin_token))
    assert created.status_code == 201 and created.json["source"] == "acme"
    issued = client.post(f"/api/v1/integrations/{created.json['id']}/keys", json={"label": "production"},
                         headers=bearer(admin_token))
    assert issued.status_code == 201
    plain = issued.json["key"]
    assert plain.startswith(f"flk_{issued.json['prefix']}_")
    assert client.get(WHOAMI, headers=bearer(plain)).json == {"name": "Acme ERP", "source": "acme",
                                                              "user_id": created.json["user_id"]}
    listed = client.get("/api/v1/integrations", headers=bearer(admin_token))
    assert plain not in listed.get_data(as_text=True)
    assert [k["prefix"] for k in listed.json[0]["keys"]] == [issued.json["prefix"]]
    assert session.scalar(sa.select(IntegrationKey.key_digest)) == accounts.digest(plain)


def test_a_taken_source_or_name_is_refused_naming_the_field(client, admin_token):
    client.post("/api/v1/integrations", json={"name": "Acme ERP", "source": "acme"}, headers=bearer(admin_token))
    again = client.post("/api/v1/integrations", json={"name": "acme erp", "source": "acme"},
                        headers=bearer(admin_token))
    assert again.status_code == 422
    assert set(again.json["errors"]) == {"name", "source"}
    bad = client.post("/api/v1/integrations", json={"name": "CRM", "source": "Has Spaces"}, headers=bearer(admin_token))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"source"}


def test_a_revoked_key_is_refused(client, session, integration_key, admin_token):
    integration, plain = integration_key
    assert client.get(WHOAMI, headers=bearer(plain)).status_code == 200
    key_id = session.scalar(sa.select(IntegrationKey.id))
    r = client.post(f"/api/v1/integrations/{integration.id}/keys/{key_id}/revoke", headers=bearer(admin_token))
    assert r.status_code == 200 and r.json["revoked_at"]
    refused = client.get(WHOAMI, headers=bearer(plain))
    assert refused.status_code == 401 and "revoked" in refused.json["message"]


def test_a_key_is_revoked_only_through_its_own_integration(client, session, integration_key, admin_token):
    _integration, plain = integration_key
    other = client.post("/api/v1/integrations", json={"name": "CRM", "source": "crm"}, headers=bearer(admin_token))
    key_id = session.scalar(sa.select(IntegrationKey.id))
    r = client.post(f"/api/v1/integrations/{other.json['id']}/keys/{key_id}/revoke", headers=bearer(admin_token))
    assert r.status_code == 404
    assert client.get(WHOAMI, headers=bearer(plain)).status_code == 200


def test_every_key_of_a_disabled_integration_is_refused_until_it_is_enabled(client, integration_key, admin_token):
    integration, plain = integration_key
    assert client.post(f"/api/v1/integrations/{integration.id}/disable", headers=bearer(admin_token)).status_code == 200
    refused = client.get(WHOAMI, headers=bearer(plain))
    assert refused.status_code == 401 and "disabled" in refused.json["message"]
    assert client.post(f"/api/v1/integrations/{integration.id}/enable", headers=bearer(admin_token)).status_code == 200
    assert client.get(WHOAMI, headers=bearer(plain)).status_code == 200


def test_an_unknown_key_is_refused(client, integration_key):
    _integration, plain = integration_key
    assert client.get(WHOAMI, headers=bearer(plain[:-2] + "xx")).status_code == 401


def test_a_persons_token_is_refused_where_only_integrations_are_admitted(client, admin_token):
    r = client.get(WHOAMI, headers=bearer(admin_token))
    assert r.status_code == 403 and r.json["message"]


def test_an_integration_key_is_refused_where_any_person_is_admitted(client, integration_key):
    _integration, plain = integration_key
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 403


def test_an_integration_account_cannot_sign_in_with_a_password(client, session, integration_key):
    integration, _plain = integration_key
    username = integration.user.username
    r = client.post("/api/v1/auth/token", json={"username": username, "password": accounts.NO_PASSWORD,
                                                "device_id": "device-erp"})
    assert r.status_code == 401
    # Not even once someone has given its account a real password hash.
    integration.user.password_hash = client.application.extensions["fieldloop.passwords"].hash(make.PASSWORD)
    session.commit()
    r = client.post("/api/v1/auth/token",
                    json={"username": username, "password": make.PASSWORD, "device_id": "device-erp"})
    assert r.status_code == 401


def test_the_last_use_of_a_key_is_recorded(client, session, integration_key):
    _integration, plain = integration_key
    client.get(WHOAMI, headers=bearer(plain))
    session.expire_all()
    assert session.scalar(sa.select(IntegrationKey.last_used_at)) is not None


def test_a_webhook_needs_an_address_it_may_call_and_a_secret(client, session, integration_key, admin_token):
    integration, _plain = integration_key
    path = f"/api/v1/integrations/{integration.id}/webhook"
    r = client.put(path, json={"url": "ftp://127.0.0.1/hook", "secret": None}, headers=bearer(admin_token))
    assert r.status_code == 422 and set(r.json["errors"]) == {"url", "secret"}
    r = client.put(path, json={"url": "https://127.0.0.1:9/hook", "secret": "s3cret"}, headers=bearer(admin_token))
    assert r.status_code == 200 and r.json["webhook_url"] == "https://127.0.0.1:9/hook"  # loopback: tests only
    assert "s3cret" not in client.get("/api/v1/integrations", headers=bearer(admin_token)).get_data(as_text=True)
    removed = client.put(path, json={"url": None}, headers=bearer(admin_token))
    assert removed.status_code == 200 and removed.json["webhook_url"] is None
    session.rollback()
    assert session.get(type(integration), integration.id).webhook_secret is None


def test_a_key_over_its_rate_is_answered_429_with_retry_after_by_every_process(database_url, session, integration_key,
                                                                               start_of_a_minute):
    """Two app processes on one database share each key's count."""
    _integration, plain = integration_key
    settings = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "INTEGRATION_RATE_PER_MINUTE": 3}
    first, second = create_app(settings), create_app(settings)
    try:
        statuses = [app.test_client().get(WHOAMI, headers=bearer(plain)).status_code
                    for app in (first, second, first)]
        assert statuses == [200, 200, 200]
        refused = second.test_client().get(WHOAMI, headers=bearer(plain))
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # The next minute, the key may go on.
        clock.shift_to(start_of_a_minute + timedelta(minutes=1))
        assert first.test_client().get(WHOAMI, headers=bearer(plain)).status_code == 200
    finally:
        for app in (first, second):
            with app.app_context():
                db.engine.dispose()


def test_the_rate_is_counted_per_key(database_url, session, integration_key, start_of_a_minute):
    integration, plain = integration_key
    admin = make.user(session, "root", Role.ADMIN)
    _key, other = accounts.issue_key(session, integration.id, "second", by=admin)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "INTEGRATION_RATE_PER_MINUTE": 1})
    try:
        client = app.test_client()
        assert client.get(WHOAMI, headers=bearer(plain)).status_code == 200
        assert client.get(WHOAMI, headers=bearer(plain)).status_code == 429
        assert client.get(WHOAMI, headers=bearer(other)).status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()


def test_what_an_integration_changes_is_recorded_as_done_by_its_account(database_url, session, integration_key):
    """A view that admits integrations hands the use case the integration's User, as it would a person."""
    from flask import Blueprint, g

    from server.api.security import requires
    from server.models import JobAssignment
    from server.services.work import jobs

    integration, plain = integration_key
    site, engineer = make.site(session, "North Office"), make.user(session, "amy")
    start = make.now().replace(microsecond=0) + timedelta(days=1)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    blueprint = Blueprint("assigning", __name__)

    @blueprint.post("/test/assign")
    @requires(Role.INTEGRATION)
    def assign():
        job = jobs.create_job(db.session, jobs.JobDraft(site_id=site.id, engineer_id=engineer.id, summary="Visit",
                                                        window_start=start, window_end=start + timedelta(hours=1)),
                              g.user)
        return {"job_id": job.id, "integration": g.integration.source}

    app.register_blueprint(blueprint)
    try:
        r = app.test_client().post("/test/assign", headers=bearer(plain))
        assert r.status_code == 200 and r.json["integration"] == "erp"
        session.rollback()
        assignment = session.scalar(sa.select(JobAssignment).where(JobAssignment.job_id == r.json["job_id"]))
        assert assignment.assigned_by_id == integration.user_id
    finally:
        with app.app_context():
            db.engine.dispose()


def test_concurrent_requests_over_real_http_let_exactly_the_rate_through(database_url, session, integration_key,
                                                                         start_of_a_minute):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from live_servers import RestartableServer

    _integration, plain = integration_key
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "INTEGRATION_RATE_PER_MINUTE": 5})
    server = RestartableServer(app).start()
    try:
        def call(_):
            return requests.get(server.url + WHOAMI, headers=bearer(plain), timeout=30).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(call, range(16)))
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()
    assert sorted(statuses) == [200] * 5 + [429] * 11


def test_a_refused_request_does_not_use_up_the_rate(database_url, session, integration_key, start_of_a_minute):
    _integration, plain = integration_key
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "INTEGRATION_RATE_PER_MINUTE": 1})
    try:
        client = app.test_client()
        assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 403
        assert client.get(WHOAMI, headers=bearer(plain)).status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()


def test_the_rate_is_600_a_minute_unless_configured():
    from server.config import from_environment

    assert from_environment({})["INTEGRATION_RATE_PER_MINUTE"] == 600
    assert from_environment({"INTEGRATION_RATE_PER_MINUTE": "60"})["INTEGRATION_RATE_PER_MINUTE"] == 60


def test_a_key_is_refused_once_its_account_is_disabled_or_no_longer_an_integration(client, session, integration_key):
    integration, plain = integration_key
    integration.user.active = False
    session.commit()
    assert client.get(WHOAMI, headers=bearer(plain)).status_code == 401
    integration.user.active, integration.user.role = True, Role.ADMIN
    session.commit()
    assert client.get(WHOAMI, headers=bearer(plain)).status_code == 401


def test_a_persons_token_that_happens_to_begin_like_a_key_still_signs_them_in(client, session, admin_token):
    from server.models import ApiToken
    from server.services.accounts import auth

    issued = session.scalars(sa.select(ApiToken)).one()
    lookalike = "flk_0000_a-person's-random-token"
    session.add(ApiToken(token_digest=auth.digest(lookalike), user_id=issued.user_id, device_id=issued.device_id,
                         expires_at=issued.expires_at))
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(lookalike)).status_code == 200
