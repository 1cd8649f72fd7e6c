"""The console refuses a dispatcher's change of what another system owns, naming the field."""

from server.models import Job


def test_reassigning_a_job_another_system_owns_is_refused_naming_the_owner(dispatcher, yard, session):
    job = session.get(Job, yard.amy_job.id)
    job.source, job.external_id = "erp", "J-1"
    session.commit()
    r = dispatcher.post(f"/console/jobs/{yard.amy_job.id}/engineer", {"engineer": yard.ben.id})
    assert r.status_code == 422 and "Owned by erp: change it there." in r.get_data(as_text=True)
    session.rollback()
    assert session.get(Job, yard.amy_job.id).engineer_id == yard.amy.id
