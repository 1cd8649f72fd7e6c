"""Generated requests against the OpenAPI document: no 5xx, every answer as documented.

Each documented operation gets examples generated from its schema (valid
ones, and ones that break the schema on purpose), sent as a signed-in
engineer and as a dispatcher, and every response is checked. The customer's
operations are called with a genuine link to a real pickup, so their answers
go past the signature check. (The console's pages answer HTML only: no console
route answers JSON.) Runs are repeatable; FUZZ_EXAMPLES=200 draws that many
fresh random examples per operation.
"""

import pytest
import sqlalchemy as sa
from schemathesis import GenerationMode

from api_fuzz import fuzz, operations
from server.models import Pickup
from server.runner import run_due
from server.services.notifications.notices import pickup_link

CUSTOMER_PATHS = "/api/v1/customer/"


def exercise(app, token: str, mode: GenerationMode, customer_link: str) -> list[str]:
    found = operations(app)
    assert len(found) > 20
    assert {o.label for o in found} >= {"GET /api/v1/customer/pickups/{token}",
                                        "POST /api/v1/customer/pickups/{token}/answer",
                                        "GET /api/v1/stock/balances", "GET /api/v1/stock/movements",
                                        "POST /api/v1/stock/transfers", "POST /api/v1/stock/stocktakes",
                                        "POST /api/v1/stock/supplies"}
    assert {o.label for o in found} >= {"GET /api/v1/deliveries", "GET /api/v1/shortages",
                                        "POST /api/v1/deliveries/{delivery_id}/delivered"}

    def genuine_link(case):
        if case.operation.path.startswith(CUSTOMER_PATHS):
            case.path_parameters = {"token": customer_link}

    fuzz(found, mode, token, genuine_link)
    return [o.label for o in found]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("who", ["amy", "dana"], ids=["engineer", "dispatcher"])
def test_the_api_never_fails_and_answers_as_documented(app, logistics, phone_of, who, mode, session):
    exercise(app, phone_of(who).token, mode, customer_link(app, phone_of("amy"), logistics, session))


def customer_link(app, amy, logistics, session) -> str:
    """The token of a genuine link to a real pickup: Amy leaves a heavy printer for a courier."""
    removal = amy.new_event("part_removed", logistics.world.amy_job.id, part_number="PRN-MFP-C550",
                            serial="AR55555555", condition="faulty", failure_code="electrical")
    assert amy.push([removal]).json["results"][0]["status"] == "accepted"
    run_due(app)
    return pickup_link(session.scalar(sa.select(Pickup))).rsplit("/", 1)[1]
