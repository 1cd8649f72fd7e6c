"""Generated requests against the OpenAPI document's operations (schemathesis): every example sent, every
answer checked — no 5xx, status, content type and body as documented.

Runs are repeatable; FUZZ_EXAMPLES=200 draws that many fresh random examples per operation.
"""

import os
from collections.abc import Callable

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


def operations(app, paths: tuple[str, ...] = ("",)) -> list:
    """The document's operations whose path starts with one of `paths` (default: all)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    return [o for o in found if o.path.startswith(paths)]


def fuzz(operations_: list, mode: GenerationMode, token: str, prepare: Callable | None = None) -> None:
    """Send each operation its generated examples with `token`; `prepare(case)` may fill a case in first."""
    headers = {"Authorization": f"Bearer {token}"}
    for operation in operations_:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
                  derandomize=os.environ.get("FUZZ_EXAMPLES") is None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            if prepare is not None:
                prepare(case)
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # An operation with nothing to get wrong (no parameters, no body) has no invalid requests.
            assert mode == GenerationMode.NEGATIVE, operation.label
