"""Generated requests against the integration endpoints of the OpenAPI document, as an admin and with an
integration's key: no 5xx, every answer as documented."""

import pytest
from schemathesis import GenerationMode

from api_fuzz import fuzz, operations
from integration_fixtures import integration_with_key

INTEGRATION_PATHS = ("/api/v1/integrations", "/api/v1/integration/")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("who", ["root", "key"], ids=["admin", "integration"])
def test_the_integration_endpoints_never_fail_and_answer_as_documented(app, session, phone_of, who, mode):
    _integration, key = integration_with_key(session)
    token = key if who == "key" else phone_of("root").token
    found = operations(app, INTEGRATION_PATHS)
    assert {o.label for o in found} >= {"GET /api/v1/integrations", "POST /api/v1/integrations",
                                        "POST /api/v1/integrations/{integration_id}/keys",
                                        "GET /api/v1/integration/whoami"}
    fuzz(found, mode, token)
