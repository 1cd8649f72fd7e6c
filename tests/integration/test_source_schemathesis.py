"""Generated requests against the source system's operations of the OpenAPI document, with its integration key,
on a server that has lived a day: no 5xx, and every answer as documented — the feed's pages full of real events
of every type the day produced, the reconciliations with real differences and movements.

The checks of tests/api_fuzz.py (tests/security/test_schemathesis_integrations.py runs them on an empty
database, as an admin too); FUZZ_EXAMPLES=200 draws that many fresh random examples per operation.
"""

import pytest
from schemathesis import GenerationMode

import factories as make
from api_fuzz import fuzz, operations
from scripted_day import afternoon, morning
from source_records import northwind_estate

SOURCE_PATHS = ("/api/v1/integration/", "/api/v1/stock/export/")
EXPECTED = {"POST /api/v1/integration/records", "GET /api/v1/integration/feed",
            "POST /api/v1/integration/reconciliations", "GET /api/v1/integration/reconciliations/{reconciliation_id}"}


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
    found = operations(app, SOURCE_PATHS)
    assert {o.label for o in found} >= EXPECTED
    fuzz(found, mode, key)
