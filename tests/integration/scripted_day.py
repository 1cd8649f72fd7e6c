"""A day in the loop, in two halves, on the server tests' world with its logistics: the facts the feed and the
webhooks must hand to the source system."""

import uuid
from datetime import date

import sqlalchemy as sa

import factories as make
from server.models import Pickup
from server.runner import run_due
from server.services.planning.planning import plan_day

#: Facts the day produces, each at least once.
DAY_TYPES = {"return_line.status_changed", "return_line.disposition_set", "pickup.scheduled", "pickup.collected",
             "return_line.received", "processing.outcome", "stock.movement"}


def removed(amy, job_id: int, part_number: str, serial: str) -> uuid.UUID:
    ev = amy.new_event("part_removed", job_id, part_number=part_number, serial=serial, condition="faulty",
                       failure_code="electrical")
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    return uuid.UUID(ev["id"])


def morning(app, amy, logistics) -> dict[str, uuid.UUID]:
    """Amy takes out a fuser (she carries it back) and a heavy printer (a courier collects it); the engine decides."""
    job = logistics.world.amy_job.id
    lines = {"fuser": removed(amy, job, "PRN-FUS-220", "AR00000001"),
             "printer": removed(amy, job, "PRN-MFP-C550", "AR55555555")}
    run_due(app)
    return lines


def afternoon(app, dana, logistics, session, lines: dict[str, uuid.UUID]) -> None:
    """The printer's pickup is planned and collected; the refurbishment centre receives and refurbishes both."""
    session.rollback()
    pickup_id = session.scalar(sa.select(Pickup.id))
    plan_day(session, make.next_weekday(date.today()), logistics.world.dana)
    assert dana.request("POST", f"/api/v1/pickups/{pickup_id}/collected").status == 200
    for name, value in (("fuser", "150.00"), ("printer", "900.00")):
        r = dana.request("POST", "/api/v1/facility/receive",
                         json={"facility_id": logistics.refurb.id, "return_line_id": str(lines[name])})
        assert r.status == 200, r.json
        r = dana.request("POST", f"/api/v1/returns/{lines[name]}/outcome",
                         json={"outcome": "refurbished", "recovered_value": value})
        assert r.status == 200, r.json
    run_due(app)
