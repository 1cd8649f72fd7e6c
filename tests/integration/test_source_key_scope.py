"""An integration key opens the integration endpoints and nothing else: every other operation in the OpenAPI
document answers it 403, the console does not let it in, and once the key is revoked (or the integration
disabled) even its own endpoints answer 401."""

import uuid

import pytest
import requests

import factories as make
from common.enums import Role
from server.services.integration import accounts

#: Where an integration key is meant to work (the issue's scope: records in, feed out, reconcile, export).
SCOPE_PREFIXES = ("/api/v1/integration/", "/api/v1/stock/export/")
#: One call in scope per capability, that the key must be let through (any answer but 401 and 403).
IN_SCOPE = [("POST", "/api/v1/integration/records", {"records": []}),
            ("GET", "/api/v1/integration/feed", None),
            ("POST", "/api/v1/integration/reconciliations", {"as_of": make.now().date().isoformat(), "balances": []}),
            ("GET", "/api/v1/stock/export/balances.csv", None)]


def value_for(parameter: dict):
    schema = parameter.get("schema", {})
    if schema.get("type") == "integer":
        return 1
    if schema.get("format") == "uuid":
        return uuid.uuid4()
    if schema.get("format") == "date":
        return make.now().date().isoformat()
    return "x"


def protected_operations(spec: dict) -> list[tuple[str, str]]:
    """(method, concrete path) of every operation that asks for a bearer token, path parameters filled in."""
    found = []
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or not operation.get("security"):
                continue
            path = template
            for parameter in operation.get("parameters", []) + item.get("parameters", []):
                if parameter.get("in") == "path":
                    path = path.replace("{" + parameter["name"] + "}", str(value_for(parameter)))
            found.append((method.upper(), template, path))
    return found


def call(base_url: str, key: str, method: str, path: str, body=None) -> requests.Response:
    return requests.request(method, base_url + path, json=body, headers={"Authorization": f"Bearer {key}"},
                            timeout=10, allow_redirects=False)


def test_the_key_is_refused_by_every_operation_outside_its_scope(live_server, client, integration_key):
    _integration, key = integration_key
    operations = protected_operations(client.get("/api/openapi.json").json)
    outside = [(m, t, p) for m, t, p in operations if not t.startswith(SCOPE_PREFIXES)]
    assert len(outside) > 40 and len(outside) < len(operations)
    answers = {(m, t): call(live_server.url, key, m, p, {}).status_code for m, t, p in outside}
    assert {op: status for op, status in answers.items() if status != 403} == {}


def test_the_key_is_let_into_its_own_endpoints(live_server, integration_key):
    _integration, key = integration_key
    for method, path, body in IN_SCOPE:
        assert call(live_server.url, key, method, path, body).status_code not in (401, 403), (method, path)


def test_the_key_does_not_open_the_console(live_server, integration_key):
    _integration, key = integration_key
    for page in ("/console/", "/console/integrations", "/console/stock/reconcile"):
        assert call(live_server.url, key, "GET", page).status_code in (302, 401, 403), page


def test_the_key_cannot_sign_in_as_a_person(live_server, integration_key):
    integration, key = integration_key
    r = requests.post(live_server.url + "/api/v1/auth/token", timeout=10, json={
        "username": integration.user.username, "password": key, "device_id": "erp-device"})
    assert r.status_code == 401


@pytest.mark.parametrize("how", ["revoked", "disabled"])
def test_a_revoked_key_or_a_disabled_integration_is_refused_everywhere(live_server, integration_key, session, how):
    integration, key = integration_key
    admin = make.user(session, "root", Role.ADMIN)
    assert call(live_server.url, key, *IN_SCOPE[0]).status_code == 200
    if how == "revoked":
        accounts.revoke_key(session, integration.keys[0].id, by=admin)
    else:
        accounts.set_disabled(session, integration.id, True, by=admin)
    session.commit()
    for method, path, body in IN_SCOPE:
        assert call(live_server.url, key, method, path, body).status_code == 401, (method, path)
    assert call(live_server.url, key, "GET", "/api/v1/jobs").status_code == 401
