"""Jobs: create and assign them to engineers, reassign them; phones learn on their next pull."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from common.enums import JobStatus
from server.api.fields import RECORD_ID
from server.console import listings
from server.console.forms import JobForm, ReassignForm, show_errors
from server.console.pages import staff_blueprint
from server.console.paging import page_number
from server.extensions import db
from server.models import Job
from server.services.work import jobs
from server.services.errors import ServiceError

bp = staff_blueprint("console_jobs", __name__, url_prefix="/console/jobs")


def _engineer_choices() -> list:
    return [(None, "Unassigned")] + [(u.id, u.display_name) for u in listings.engineers(db.session)]


def _status_filter() -> JobStatus | None:
    raw = request.args.get("status", "open")
    return JobStatus(raw) if raw in {s.value for s in JobStatus} else None


def _job_form(**kwargs) -> JobForm:
    form = JobForm(sites=listings.site_picker(db.session), catalogue=listings.catalogue(db.session), **kwargs)
    form.engineer.choices = _engineer_choices()
    return form


@bp.route("")
def list_jobs(form: JobForm | None = None, reassign: ReassignForm | None = None, failed_job: int | None = None,
              status_code: int = 200):
    form = form or _job_form(formdata=None)
    status = _status_filter()
    page = listings.jobs_page(db.session, status, page_number(request.args.get("page")))
    return render_template(
        "console/jobs.html", page=page, form=form, engineers=form.engineer.choices,
        reassign=reassign or ReassignForm(), failed_job=failed_job, status=status, statuses=list(JobStatus),
        zone=current_app.config["SITE_TIMEZONE"],
    ), status_code


@bp.route("", methods=["POST"])
def create_job():
    form = _job_form()
    if "add_part" in request.form:
        form.parts.append_entry()
        return list_jobs(form=form)
    if not form.validate():
        return list_jobs(form=form, status_code=422)
    start, end = form.window()
    try:
        job = jobs.create_job(db.session, jobs.JobDraft(
            site_id=form.site_id, engineer_id=form.engineer.data, summary=form.summary.data.strip(),
            window_start=start, window_end=end, expected_parts=form.expected_parts(),
        ), g.staff)
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return list_jobs(form=form, status_code=422)
    flash(f"Job {job.reference} created{' and sent to the engineer' if job.engineer_id else ''}.", "success")
    return redirect(url_for(".list_jobs"), 303)


@bp.route(f"/<{RECORD_ID}:job_id>/engineer", methods=["POST"])
def reassign(job_id: int):
    form = ReassignForm()
    form.engineer.choices = _engineer_choices()
    if db.session.get(Job, job_id) is None:
        abort(404, f"There is no job {job_id}.")
    if not form.validate():
        return list_jobs(reassign=form, failed_job=job_id, status_code=422)
    try:
        job = jobs.update_job(db.session, job_id, {"engineer_id": form.engineer.data}, g.staff)
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return list_jobs(reassign=form, failed_job=job_id, status_code=422)
    flash(f"Job {job.reference} is now {'with ' + job.engineer.display_name if job.engineer else 'unassigned'}.",
          "success")
    return redirect(url_for(".list_jobs", status=request.args.get("status", "open")), 303)
