"""Generated requests against the integration endpoints of the OpenAPI document, as an admin and with an
integration's key: no 5xx, every answer as documented."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from integration_fixtures import integration_with_key
from test_schemathesis import CHECKS, EXAMPLES_PER_OPERATION

INTEGRATION_PATHS = ("/api/v1/integrations", "/api/v1/integration/")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("who", ["root", "key"], ids=["admin", "integration"])
def test_the_integration_endpoints_never_fail_and_answer_as_documented(app, session, phone_of, who, mode):
    _integration, key = integration_with_key(session)
    token = key if who == "key" else phone_of("root").token
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()
                  if result.ok().path.startswith(INTEGRATION_PATHS)]
    assert {o.label for o in operations} >= {"GET /api/v1/integrations", "POST /api/v1/integrations",
                                             "POST /api/v1/integrations/{integration_id}/keys",
                                             "GET /api/v1/integration/whoami"}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, operation.label
