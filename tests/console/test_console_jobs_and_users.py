"""Jobs (create, assign, reassign: phones learn on their next pull) and users and devices."""

import html
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from common.enums import GradePolicy
from phones import Phone
from server.models import Job, PartNumber, User


def job_form(yard, **overrides) -> dict:
    start = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    form = {"site": "South Office — Southgate Print", "engineer": yard.amy.id, "summary": "Swap the fuser",
            "window_start": start.strftime("%Y-%m-%dT%H:%M"), "window_end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
    form.update(overrides)
    return form


def test_a_new_job_reaches_its_engineers_phone_on_the_next_pull(dispatcher, client, yard, session):
    amy = Phone(client=client)
    amy.sign_in("amy")
    amy.sync_down()
    r = dispatcher.post("/console/jobs", job_form(yard))
    assert r.status_code == 303
    session.rollback()
    job = session.scalar(sa.select(Job).where(Job.summary == "Swap the fuser"))
    assert job.engineer_id == yard.amy.id
    amy.sync_down()
    assert str(job.id) in amy.cached("job")


def test_a_window_that_ends_before_it_starts_is_shown_on_the_field(dispatcher, yard):
    form = job_form(yard)
    form["window_end"] = form["window_start"]
    r = dispatcher.post("/console/jobs", form)
    assert r.status_code == 422 and 'id="window_end-error"' in r.get_data(as_text=True)


def test_a_job_needs_a_summary(dispatcher, yard):
    r = dispatcher.post("/console/jobs", job_form(yard, summary=""))
    assert r.status_code == 422 and "Say what the job is." in r.get_data(as_text=True)


def test_reassigning_a_job_sends_a_tombstone_to_the_previous_engineers_phone(dispatcher, client, yard, session):
    amy = Phone(client=client)
    amy.sign_in("amy")
    amy.sync_down()
    assert str(yard.amy_job.id) in amy.cached("job")
    r = dispatcher.post(f"/console/jobs/{yard.amy_job.id}/engineer", {"engineer": yard.ben.id})
    assert r.status_code == 303
    changes = amy.sync_down()
    assert any(c["entity"] == "job" and c["op"] == "delete" and c["id"] == str(yard.amy_job.id) for c in changes)
    session.rollback()
    assert session.get(Job, yard.amy_job.id).engineer_id == yard.ben.id


def test_assigning_a_job_to_a_non_engineer_is_refused(dispatcher, yard):
    r = dispatcher.post(f"/console/jobs/{yard.amy_job.id}/engineer", {"engineer": yard.dana.id})
    assert r.status_code == 422 and "Not a valid choice" in r.get_data(as_text=True)


def test_a_dispatcher_creates_an_engineer_who_can_sign_in_on_a_phone(dispatcher, client, yard):
    r = dispatcher.post("/console/users", {"username": "cleo", "display_name": "Cleo", "role": "engineer",
                                           "password": "a long enough password"})
    assert r.status_code == 303
    assert Phone(client=client).sign_in("cleo", "a long enough password").status == 200


def test_a_dispatcher_cannot_create_a_dispatcher_but_an_admin_can(console, yard, session):
    console.sign_in("dana")
    r = console.post("/console/users", {"username": "dee", "display_name": "Dee", "role": "dispatcher",
                                        "password": "a long enough password"})
    assert r.status_code == 422 and "Not a valid choice" in r.get_data(as_text=True)
    console.post("/console/sign-out")
    console.sign_in("root")
    assert console.post("/console/users", {"username": "dee", "display_name": "Dee", "role": "dispatcher",
                                           "password": "a long enough password"}).status_code == 303


def test_an_email_address_is_checked(dispatcher, yard):
    r = dispatcher.post("/console/users", {"username": "cleo", "display_name": "Cleo", "role": "engineer",
                                           "email": "cleo-at-example", "password": "a long enough password"})
    assert r.status_code == 422 and "Not an email address." in r.get_data(as_text=True)
    r = dispatcher.post("/console/users", {"username": "cleo", "display_name": "Cleo", "role": "engineer",
                                           "email": "cleo@fieldloop.example", "password": "a long enough password"})
    assert r.status_code == 303


def test_user_form_errors_are_shown_on_their_fields(dispatcher, yard):
    r = dispatcher.post("/console/users", {"username": "amy", "display_name": "Amy again", "role": "engineer",
                                           "password": "short"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="password-error"' in page and "at least 10 characters" in page
    r = dispatcher.post("/console/users", {"username": "amy", "display_name": "Amy again", "role": "engineer",
                                           "password": "a long enough password"})
    assert r.status_code == 422 and 'id="username-error"' in r.get_data(as_text=True)


def test_revoking_a_device_ends_its_token(dispatcher, client, yard, session):
    phone = Phone(client=client, device_id="amys-lost-phone")
    phone.sign_in("amy")
    assert phone.pull().status == 200
    page = dispatcher.get("/console/users").get_data(as_text=True)
    assert "amys-lost-phone" in page
    from server.models import Device

    device = session.scalar(sa.select(Device).where(Device.device_uid == "amys-lost-phone"))
    assert dispatcher.post(f"/console/users/devices/{device.id}/revoke").status_code == 303
    session.rollback()
    assert phone.pull().status == 401
    assert "Revoked" in dispatcher.get("/console/users").get_data(as_text=True)


def test_the_users_page_never_shows_password_hashes(dispatcher, yard):
    page = dispatcher.get("/console/users").get_data(as_text=True)
    assert "$argon2" not in page and "password_hash" not in page


def test_nobody_is_left_with_a_hash_in_the_admin_users_view(admin, yard):
    for url in ("/console/admin/users/", f"/console/admin/users/details/?id={yard.amy.id}",
                f"/console/admin/users/edit/?id={yard.amy.id}"):
        page = admin.get(url).get_data(as_text=True)
        assert "$argon2" not in page and "password_hash" not in page.lower(), url


def test_only_admins_maintain_users_in_the_records(dispatcher):
    r = dispatcher.get("/console/admin/users/")
    assert r.status_code == 403


def test_record_views_open_for_a_dispatcher(dispatcher, yard):
    for name in ("catalogue", "sites", "contacts", "customers", "facilities", "vehicles"):
        r = dispatcher.get(f"/console/admin/{name}/")
        assert r.status_code == 200, name
    assert "PRN-FUS-220" in dispatcher.get("/console/admin/catalogue/").get_data(as_text=True)


def test_record_changes_need_the_csrf_token(dispatcher, yard, session):
    r = dispatcher.post_raw(f"/console/admin/vehicles/edit/?id={yard.van.id}",
                               {"name": "Stolen van", "depot": yard.depot.id, "capacity_weight_kg": 1,
                                     "capacity_volume_l": 1, "cost_per_km": 1, "fixed_cost": 1})
    assert r.status_code == 400
    r = dispatcher.post_raw("/console/admin/vehicles/delete/", {"id": yard.van.id})
    assert r.status_code == 400
    session.rollback()
    from server.models import Vehicle

    assert session.get(Vehicle, yard.van.id).name == "Van 1"


def test_a_record_is_edited_with_the_csrf_token(dispatcher, yard, session):
    r = dispatcher.post(f"/console/admin/contacts/edit/?id={yard.north.id}",
                        {"contact_name": "New Person", "contact_email": "new@northfield.example", "contact_phone": "0161"})
    assert r.status_code == 302
    session.rollback()
    from server.models import Site

    assert session.get(Site, yard.north.id).contact_name == "New Person"


def test_an_admin_changes_a_users_role_in_the_records(admin, yard, session):
    r = admin.post(f"/console/admin/users/edit/?id={yard.ben.id}",
                   {"display_name": "Ben", "email": "", "phone": "", "role": "dispatcher", "active": "y"})
    assert r.status_code == 302
    session.rollback()
    assert session.get(User, yard.ben.id).role == "dispatcher"


def _catalogue_form(dispatcher, part_id: int) -> dict:
    """The fields of a part's edit form, as the page fills them in."""
    page = dispatcher.get(f"/console/admin/catalogue/edit/?id={part_id}").get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token" and ('type="checkbox"' not in tag or "checked" in tag):
            fields[name.group(1)] = html.unescape(value.group(1)) if value else "y"
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', options)
        if chosen:
            fields[name] = chosen.group(1) or chosen.group(2)
    return fields


@pytest.mark.parametrize("pattern", ["(a|a)+$", "(AR[0-9]+)*", "A" * 121])
def test_the_records_refuse_an_unsafe_serial_format(dispatcher, yard, session, pattern):
    form = _catalogue_form(dispatcher, yard.fuser.id)
    r = dispatcher.post(f"/console/admin/catalogue/edit/?id={yard.fuser.id}", {**form, "serial_pattern": pattern})
    assert r.status_code == 200 and ("may not repeat a group" in r.get_data(as_text=True)
                                     or "at most 120 characters" in r.get_data(as_text=True))
    session.rollback()
    assert session.get(PartNumber, yard.fuser.id).serial_pattern == "AR[0-9]{8}"


def test_the_records_keep_a_safe_serial_format(dispatcher, yard, session):
    form = _catalogue_form(dispatcher, yard.fuser.id)
    r = dispatcher.post(f"/console/admin/catalogue/edit/?id={yard.fuser.id}", {**form, "serial_pattern": "FU[0-9]{6}"})
    assert r.status_code == 302
    session.rollback()
    assert session.get(PartNumber, yard.fuser.id).serial_pattern == "FU[0-9]{6}"


def test_an_edit_form_keeps_the_stored_choice_of_an_enum_field(dispatcher, yard, session):
    part = session.get(PartNumber, yard.fuser.id)
    part.grade_policy = GradePolicy.NEW_ONLY
    session.commit()
    form = _catalogue_form(dispatcher, yard.fuser.id)
    assert form["grade_policy"] == "new_only"
    r = dispatcher.post(f"/console/admin/catalogue/edit/?id={yard.fuser.id}", {**form, "description": "Fuser, new"})
    assert r.status_code == 302
    session.rollback()
    assert session.get(PartNumber, yard.fuser.id).grade_policy == GradePolicy.NEW_ONLY
