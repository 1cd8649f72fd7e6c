"""Generated requests against the integration operations of the OpenAPI document: no 5xx, every answer as
documented — the source system's endpoints called with an integration key, the admin's with an admin's token.

The same checks as tests/security/test_schemathesis.py, over the operations
under /api/v1/integration/ and /api/v1/integrations; FUZZ_EXAMPLES=200 draws
that many fresh random examples per operation.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SOURCE_PATHS, ADMIN_PATHS = "/api/v1/integration/", "/api/v1/integrations"
EXPECTED = {"POST /api/v1/integration/records", "GET /api/v1/integration/feed",
            "POST /api/v1/integration/reconciliations", "GET /api/v1/integrations", "POST /api/v1/integrations"}


def integration_operations(app) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [o for o in operations if o.path.startswith((SOURCE_PATHS, ADMIN_PATHS))]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_integration_api_never_fails_and_answers_as_documented(app, integration_key, phone_of, mode):
    _integration, key = integration_key
    operations = integration_operations(app)
    assert {o.label for o in operations} >= EXPECTED
    headers = {"source": {"Authorization": f"Bearer {key}"},
               "admin": {"Authorization": f"Bearer {phone_of('root').token}"}}
    for operation in operations:
        caller = "source" if operation.path.startswith(SOURCE_PATHS) else "admin"

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=os.environ.get("FUZZ_EXAMPLES") is None,
                  database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers[caller], checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, operation.label
