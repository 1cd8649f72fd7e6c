"""Staff requests with values at the edge of the calendar or of the id columns get a 4xx with
field-level messages, never a 500, and store nothing."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

import factories as make
from server.models import Job
from server.services.work import jobs
from server.services.errors import Invalid


@pytest.mark.parametrize("query, field", [({"until": "9999-12-31"}, "until"), ({"since": "0001-01-01"}, "since"),
                                          ({"since": "2026-03-10", "until": "2026-03-01"}, "until")])
def test_figures_for_a_period_out_of_reach_or_backwards_are_refused_on_the_field(dana, world, query, field):
    r = dana.request("GET", "/api/v1/figures", params=query)
    assert r.status == 422
    assert field in r.json["errors"]["query"]


def test_figures_for_an_ordinary_period_are_computed(dana, world):
    r = dana.request("GET", "/api/v1/figures", params={"since": "2026-01-01", "until": "2026-12-31"})
    assert r.status == 200 and r.json["lines_removed"] == 0


FAR_FUTURE = "9999-12-31T23:59:59-14:00"  # after the last instant UTC can hold
FAR_PAST = "0001-01-01T00:00:00+14:00"  # before the first one


def job_body(world, **changes):
    now = make.now()
    body = {"site_id": world.north.id, "engineer_id": world.amy.id, "summary": "Replace drum",
            "window_start": now.isoformat(), "window_end": (now + timedelta(hours=2)).isoformat()}
    return {**body, **changes}


def job_count(session) -> int:
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(Job))


@pytest.mark.parametrize("changes, field", [
    ({"window_end": FAR_FUTURE}, "window_end"),
    ({"window_start": FAR_PAST}, "window_start"),
    ({"window_start": "2999-01-01T08:00:00+00:00", "window_end": "2999-01-01T10:00:00+00:00"}, "window_start"),
    ({"window_start": "2020-01-01T08:00:00+00:00", "window_end": "2020-01-01T10:00:00+00:00"}, "window_start"),
])
def test_creating_a_job_with_a_window_out_of_reach_is_a_field_error(dana, world, session, changes, field):
    before = job_count(session)
    r = dana.request("POST", "/api/v1/jobs", json=job_body(world, **changes))
    assert r.status == 422 and field in r.json["errors"]["json"]
    assert job_count(session) == before


@pytest.mark.parametrize("changes, field", [({"window_end": FAR_FUTURE}, "window_end"),
                                            ({"window_start": FAR_PAST}, "window_start")])
def test_moving_a_jobs_window_out_of_reach_is_a_field_error(dana, world, session, changes, field):
    r = dana.request("PATCH", f"/api/v1/jobs/{world.amy_job.id}", json=changes)
    assert r.status == 422 and field in r.json["errors"]["json"]
    session.rollback()
    assert session.get(Job, world.amy_job.id).window_end.year < 9999


def test_the_service_refuses_a_window_utc_cannot_hold(session, world):
    start = datetime.fromisoformat("9999-12-31T20:00:00-14:00")
    with pytest.raises(Invalid) as refused:
        jobs.create_job(session, jobs.JobDraft(site_id=world.north.id, summary="x", window_start=start,
                                               window_end=datetime.fromisoformat(FAR_FUTURE)), world.dana)
    assert "window_start" in refused.value.errors


def test_a_job_logged_this_morning_and_one_next_month_are_accepted(dana, world):
    now = make.now()
    for start in (now - timedelta(hours=6), now + timedelta(days=30)):
        body = job_body(world, window_start=start.isoformat(), window_end=(start + timedelta(hours=2)).isoformat())
        assert dana.request("POST", "/api/v1/jobs", json=body).status == 201
