"""The console's new-job form: site, engineer, window and expected parts are checked under their
fields; ids beyond the columns' range are simply not found."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from server.models import Job

SOUTH = "South Office — Southgate Print"


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def job_form(yard, start: datetime | None = None, **overrides) -> dict:
    start = start or (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return {"site": SOUTH, "engineer": yard.amy.id, "summary": "Swap the fuser", "window_start": local(start),
            "window_end": local(start + timedelta(hours=2)), **overrides}


def jobs_called(session, summary: str) -> list[Job]:
    session.rollback()
    return list(session.scalars(sa.select(Job).where(Job.summary == summary)))


def field_errors(page: str, field: str) -> str:
    assert f'id="{field}-error"' in page, f"no error under {field}"
    return page.split(f'id="{field}-error">', 1)[1].split("<", 1)[0]


@pytest.mark.parametrize("site, message", [("", "Choose a site."), ("None", "No site “None”"),
                                           ("Nowhere — Nobody", "No site “Nowhere — Nobody”")])
def test_a_missing_or_unknown_site_is_an_error_under_the_site_field(dispatcher, yard, session, site, message):
    r = dispatcher.post("/console/jobs", job_form(yard, site=site))
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in field_errors(page, "site")
    assert 'class="form-error"' not in page
    assert jobs_called(session, "Swap the fuser") == []


def test_the_site_is_picked_from_a_searchable_list_not_a_long_select(dispatcher, yard):
    page = dispatcher.get("/console/jobs").get_data(as_text=True)
    assert 'list="site-list"' in page and f'<option value="{SOUTH}">' in page
    assert '<select id="site"' not in page


@pytest.mark.parametrize("engineer", [str(2**70), "999999", "ben's"])
def test_an_engineer_who_is_not_in_the_list_is_an_error_under_the_engineer_field(dispatcher, yard, engineer):
    r = dispatcher.post("/console/jobs", job_form(yard, engineer=engineer))
    assert r.status_code == 422
    field_errors(r.get_data(as_text=True), "engineer")


def test_an_unassigned_job_is_created(dispatcher, yard, session):
    assert dispatcher.post("/console/jobs", job_form(yard, engineer="None")).status_code == 303
    (job,) = jobs_called(session, "Swap the fuser")
    assert job.engineer_id is None and job.site_id == yard.south.id


@pytest.mark.parametrize("start, field", [
    (datetime.now() - timedelta(days=2), "window_start"),
    (datetime.now() + timedelta(days=3 * 365), "window_start"),
    (datetime(9999, 12, 31, 20, 0), "window_start"),
])
def test_a_window_in_the_past_or_years_away_is_an_error_under_its_field(dispatcher, yard, session, start, field):
    r = dispatcher.post("/console/jobs", job_form(yard, start=start.replace(second=0, microsecond=0)))
    assert r.status_code == 422
    assert field_errors(r.get_data(as_text=True), field)
    assert jobs_called(session, "Swap the fuser") == []


def test_a_job_logged_a_few_hours_after_the_visit_is_accepted(dispatcher, yard, session):
    start = datetime.now() - timedelta(hours=5)
    assert dispatcher.post("/console/jobs", job_form(yard, start=start)).status_code == 303


def test_the_expected_parts_are_kept_with_their_quantity_and_kind(dispatcher, yard, session):
    form = job_form(yard, **{"parts-0-part_number": "PRN-FUS-220", "parts-0-quantity": "2",
                             "parts-0-action": "replace", "parts-1-part_number": "PRN-MFP-C550",
                             "parts-1-quantity": "1", "parts-1-action": "collect", "parts-2-part_number": ""})
    assert dispatcher.post("/console/jobs", form).status_code == 303
    (job,) = jobs_called(session, "Swap the fuser")
    assert job.expected_parts == [{"part_number": "PRN-FUS-220", "quantity": 2, "action": "replace"},
                                  {"part_number": "PRN-MFP-C550", "quantity": 1, "action": "collect"}]


def test_the_catalogue_is_offered_for_the_expected_parts(dispatcher, yard):
    page = dispatcher.get("/console/jobs").get_data(as_text=True)
    assert 'list="catalogue-list"' in page and '<option value="PRN-FUS-220">' in page
    assert '<option value="collect">Collect</option>' in page


@pytest.mark.parametrize("row, field, message", [
    ({"parts-0-part_number": "NOPE-1"}, "parts-0-part_number", "NOPE-1 is not in the catalogue"),
    ({"parts-0-part_number": "PRN-FUS-220", "parts-0-quantity": "0"}, "parts-0-quantity", "From 1 to 1000."),
    ({"parts-0-part_number": "PRN-FUS-220", "parts-0-action": "burn"}, "parts-0-action", "Not a valid choice"),
])
def test_a_bad_expected_part_is_an_error_under_its_row(dispatcher, yard, session, row, field, message):
    r = dispatcher.post("/console/jobs", job_form(yard, **{"parts-0-quantity": "1", "parts-0-action": "replace", **row}))
    assert r.status_code == 422
    assert message in field_errors(r.get_data(as_text=True), field)
    assert jobs_called(session, "Swap the fuser") == []


def test_adding_a_part_row_keeps_what_was_typed_and_creates_nothing(dispatcher, yard, session):
    r = dispatcher.post("/console/jobs", job_form(yard, add_part="1", **{"parts-0-part_number": "PRN-FUS-220"}))
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'name="parts-3-part_number"' in page and 'value="PRN-FUS-220"' in page and f'value="{SOUTH}"' in page
    assert jobs_called(session, "Swap the fuser") == []


def test_a_job_id_beyond_the_column_is_not_found(dispatcher, yard):
    assert dispatcher.post(f"/console/jobs/{2**70}/engineer", {"engineer": yard.amy.id}).status_code == 404


def test_a_device_id_beyond_the_column_is_not_found(dispatcher, yard):
    assert dispatcher.post(f"/console/users/devices/{2**70}/revoke").status_code == 404
