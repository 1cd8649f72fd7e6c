"""flask integration create / key / revoke: an operator sets an integration up without the console."""

import sqlalchemy as sa

from server.models import Integration, IntegrationKey, User


def test_an_operator_creates_an_integration_and_gets_a_working_key(app, client, session):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["integration", "create", "Acme ERP", "acme"])
    assert created.exit_code == 0, created.output
    issued = runner.invoke(args=["integration", "key", "Acme ERP", "--label", "production"])
    assert issued.exit_code == 0, issued.output
    plain = issued.stdout.strip()
    assert plain.startswith("flk_") and len(issued.stdout.split()) == 1
    assert "not shown again" in issued.stderr
    r = client.get("/api/v1/integration/whoami", headers={"Authorization": f"Bearer {plain}"})
    assert r.status_code == 200 and r.json["source"] == "acme"


def test_a_key_is_revoked_by_its_prefix(app, client, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["integration", "create", "Acme ERP", "acme"])
    plain = runner.invoke(args=["integration", "key", "acme"]).stdout.strip()
    revoked = runner.invoke(args=["integration", "revoke", plain[:12]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/integration/whoami", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_a_taken_source_or_an_unknown_integration_is_refused(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["integration", "create", "Acme ERP", "acme"])
    taken = runner.invoke(args=["integration", "create", "Other", "acme"])
    assert taken.exit_code != 0 and "source" in taken.output
    unknown = runner.invoke(args=["integration", "key", "nobody"])
    assert unknown.exit_code != 0 and "No integration named 'nobody'" in unknown.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Integration)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(IntegrationKey)) == 0


def test_create_user_makes_no_integration_accounts(app, session):
    result = app.test_cli_runner().invoke(args=["create-user", "erp", "--role", "integration",
                                                "--password", "a long enough password"])
    assert result.exit_code != 0
    assert session.scalar(sa.select(User).where(User.username == "erp")) is None
