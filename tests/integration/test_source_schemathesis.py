"""Generated requests against the source system's operations of the OpenAPI document, with its integration key,
on a server that has lived a day: no 5xx, and every answer as documented — the feed's pages full of real events
of every type the day produced, the reconciliations with real differences and movements.

The same checks as tests/security/test_schemathesis.py (tests/security/test_schemathesis_integrations.py runs
them on an empty database, as an admin too); FUZZ_EXAMPLES=200 draws that many fresh random examples per
operation.
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

import factories as make
from scripted_day import afternoon, morning
from source_records import northwind_estate

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SOURCE_PATHS = ("/api/v1/integration/", "/api/v1/stock/export/")
EXPECTED = {"POST /api/v1/integration/records", "GET /api/v1/integration/feed",
            "POST /api/v1/integration/reconciliations", "GET /api/v1/integration/reconciliations/{reconciliation_id}"}


def source_operations(app) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [o for o in operations if o.path.startswith(SOURCE_PATHS)]


def a_day_lived(app, amy, dana, logistics, session, source) -> None:
    """The source's estate pushed, a day in the loop, and a reconciliation with differences."""
    source.push_until_applied([northwind_estate(make.now().date())])
    afternoon(app, dana, logistics, session, morning(app, amy, logistics))
    r = source.reconcile(make.now().date().isoformat(), "part_number,location,grade,quantity\n"
                                                        "PRN-FUS-220,FAC:SQR,refurbished,3\n")
    assert r.status_code == 201 and r.json()["lines"], r.text


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_source_api_never_fails_and_answers_as_documented(app, amy, dana, logistics, session, source,
                                                              integration_key, mode):
    a_day_lived(app, amy, dana, logistics, session, source)
    _integration, key = integration_key
    operations = source_operations(app)
    assert {o.label for o in operations} >= EXPECTED
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=os.environ.get("FUZZ_EXAMPLES") is None,
                  database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, operation.label
