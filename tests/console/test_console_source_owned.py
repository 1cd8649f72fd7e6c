"""The console refuses a dispatcher's change of what another system owns, naming the field."""

from server.models import Job, PartNumber, Site
from test_console_records import catalogue_form


def test_reassigning_a_job_another_system_owns_is_refused_naming_the_owner(dispatcher, yard, session):
    job = session.get(Job, yard.amy_job.id)
    job.source, job.external_id = "erp", "J-1"
    session.commit()
    r = dispatcher.post(f"/console/jobs/{yard.amy_job.id}/engineer", {"engineer": yard.ben.id})
    assert r.status_code == 422 and "Owned by erp: change it there." in r.get_data(as_text=True)
    session.rollback()
    assert session.get(Job, yard.amy_job.id).engineer_id == yard.amy.id


def test_the_records_refuse_a_change_of_a_part_its_source_owns_and_keep_what_fieldloop_owns(dispatcher, yard,
                                                                                           session):
    part = session.get(PartNumber, yard.fuser.id)
    part.source, part.external_id = "erp", "P-1"
    session.commit()
    url = f"/console/admin/catalogue/edit/?id={yard.fuser.id}"
    form = catalogue_form(part)
    page = dispatcher.post(url, {**form, "description": "Renamed here"}).get_data(as_text=True)
    assert "description of this record are owned by erp: change them there." in page
    session.rollback()
    assert session.get(PartNumber, yard.fuser.id).description != "Renamed here"
    # What Fieldloop owns (how the bench works the part) is still edited here.
    assert dispatcher.post(url, {**form, "refurbishment_hours": "2.5"}).status_code == 302
    session.rollback()
    assert session.get(PartNumber, yard.fuser.id).refurbishment_hours == 2.5


def test_a_sites_contacts_its_source_owns_are_refused_in_the_records_and_its_source_is_not_in_the_form(
        dispatcher, yard, session):
    site = session.get(Site, yard.north.id)
    site.source, site.external_id = "erp", "S-1"
    session.commit()
    form_page = dispatcher.get(f"/console/admin/contacts/edit/?id={yard.north.id}").get_data(as_text=True)
    assert 'name="contact_name"' in form_page and 'name="source"' not in form_page
    assert 'name="external_id"' not in dispatcher.get(f"/console/admin/sites/edit/?id={yard.north.id}").get_data(
        as_text=True)
    page = dispatcher.post(f"/console/admin/contacts/edit/?id={yard.north.id}",
                           {"contact_name": "Someone else", "contact_email": "sam@northfield.example",
                            "contact_phone": ""}).get_data(as_text=True)
    assert "contact_name" in page and "owned by erp" in page
    session.rollback()
    assert session.get(Site, yard.north.id).contact_name != "Someone else"
