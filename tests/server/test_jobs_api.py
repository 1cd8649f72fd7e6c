"""Dispatchers create, reassign and cancel jobs; bad input is refused field by field."""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from server.models import Job, JobAssignment


def job_body(world, **changes):
    body = {"site_id": world.north.id, "engineer_id": world.amy.id, "summary": "Replace drum",
            "window_start": make.now().isoformat(), "window_end": (make.now() + timedelta(hours=2)).isoformat(),
            "expected_parts": [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]}
    body.update(changes)
    return body


def test_dispatcher_creates_an_assigned_job(dana, world):
    r = dana.request("POST", "/api/v1/jobs", json=job_body(world))
    assert r.status == 201
    assert r.json["engineer_id"] == world.amy.id and r.json["status"] == "open"
    assert r.json["reference"].startswith("J-")


def test_unknown_site_and_engineer_are_field_errors(dana, world):
    r = dana.request("POST", "/api/v1/jobs", json=job_body(world, site_id=9999))
    assert (r.status, list(r.json["errors"])) == (422, ["site_id"])
    r = dana.request("POST", "/api/v1/jobs", json=job_body(world, engineer_id=world.dana.id))
    assert (r.status, list(r.json["errors"])) == (422, ["engineer_id"])


def test_window_ending_before_it_starts_is_refused(dana, world):
    r = dana.request("POST", "/api/v1/jobs", json=job_body(world, window_end=make.now().replace(year=2020).isoformat()))
    assert (r.status, list(r.json["errors"])) == (422, ["window_end"])


def test_missing_and_mistyped_fields_are_listed(dana, world):
    r = dana.request("POST", "/api/v1/jobs", json={"site_id": "north", "window_start": "soon"})
    assert r.status == 422
    assert set(r.json["errors"]["json"]) == {"site_id", "summary", "window_start", "window_end"}


def test_reassignment_keeps_the_assignment_history(dana, world, session):
    r = dana.request("PATCH", f"/api/v1/jobs/{world.amy_job.id}", json={"engineer_id": world.ben.id})
    assert (r.status, r.json["engineer_id"]) == (200, world.ben.id)
    history = session.execute(sa.select(JobAssignment.engineer_id, JobAssignment.unassigned_at)
                              .where(JobAssignment.job_id == world.amy_job.id).order_by(JobAssignment.id)).all()
    assert [e for e, _ in history] == [world.amy.id, world.ben.id]
    assert history[0][1] is not None and history[1][1] is None


def test_a_completed_job_cannot_be_reopened(dana, amy, world):
    amy.push([amy.new_event("job_completed", world.amy_job.id)])
    r = dana.request("PATCH", f"/api/v1/jobs/{world.amy_job.id}", json={"status": "open"})
    assert r.status == 409
    assert "cannot become open" in r.json["message"]


def test_unknown_job_is_404(dana, world):
    assert dana.request("PATCH", "/api/v1/jobs/9999", json={"summary": "x"}).status == 404


def test_lists_are_paginated_and_filtered(dana, world, session):
    for _ in range(5):
        make.job(session, world.south, world.ben, world.dana)
    r = dana.request("GET", "/api/v1/jobs", params={"engineer_id": world.ben.id, "page_size": 4})
    assert (r.json["total"], r.json["pages"], len(r.json["items"])) == (6, 2, 4)
    r = dana.request("GET", "/api/v1/jobs", params={"engineer_id": world.ben.id, "page_size": 4, "page": 2})
    assert len(r.json["items"]) == 2
    assert dana.request("GET", "/api/v1/jobs", params={"page_size": 1000}).status == 422


def test_returns_are_filterable_by_status_site_engineer_part_and_serial(dana, amy, world):
    amy.push([amy.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                            condition="faulty"),
              amy.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")])
    def total(**params):
        return dana.request("GET", "/api/v1/returns", params=params).json["total"]
    assert total() == 2
    assert total(status="awaiting_disposition") == 2
    assert total(status="received") == 0
    assert total(site_id=world.north.id) == 2 and total(site_id=world.south.id) == 0
    assert total(engineer_id=world.amy.id) == 2 and total(engineer_id=world.ben.id) == 0
    assert total(part_number="PRN-FUS-220") == 1
    assert total(serial="AR00000001") == 1
    line = dana.request("GET", "/api/v1/returns", params={"serial": "AR00000001"}).json["items"][0]
    detail = dana.request("GET", f"/api/v1/returns/{line['id']}").json
    assert [c["holder_kind"] for c in detail["custody"]] == ["engineer"]


def test_expected_parts_must_be_in_the_catalogue_on_create(dana, world, session):
    parts = [{"part_number": "PRN-FUS-220"}, {"part_number": "NOPE-1", "quantity": 2}]
    r = dana.request("POST", "/api/v1/jobs", json=job_body(world, expected_parts=parts))
    assert r.status == 422
    assert r.json["errors"] == {"expected_parts": {"1": {"part_number": ["Unknown part number 'NOPE-1'."]}}}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 2


def test_expected_parts_must_be_in_the_catalogue_on_update(dana, world, session):
    r = dana.request("PATCH", f"/api/v1/jobs/{world.amy_job.id}",
                     json={"summary": "Changed", "expected_parts": [{"part_number": "NOPE-1"}]})
    assert r.status == 422
    assert r.json["errors"] == {"expected_parts": {"0": {"part_number": ["Unknown part number 'NOPE-1'."]}}}
    session.rollback()
    job = session.get(Job, world.amy_job.id)
    assert job.summary != "Changed" and job.expected_parts[0]["part_number"] == "PRN-FUS-220"
    ok = dana.request("PATCH", f"/api/v1/jobs/{world.amy_job.id}", json={"expected_parts": [{"part_number": "PRN-RLR-KIT"}]})
    assert ok.status == 200 and ok.json["expected_parts"][0]["part_number"] == "PRN-RLR-KIT"
