"""Jobs for dispatchers: list, create and assign, reassign or cancel."""

import marshmallow as ma
import sqlalchemy as sa
from flask import g
from marshmallow import fields, validate

from common.enums import JobStatus
from common.schemas import ExpectedPartRecord
from server.api.fields import RECORD_ID, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate, where_equal
from server.api.security import STAFF, requires
from server.extensions import db
from server.models import Job
from server.models.jobs import EXPECTED_PART_ACTIONS
from server.models.types import utcnow
from server.services.work import jobs
from server.services.errors import NotFound

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="Jobs (work orders)")


class ExpectedPartSchema(ma.Schema):
    part_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))
    action = fields.String(load_default="replace", validate=validate.OneOf(EXPECTED_PART_ACTIONS))


class JobSchema(ma.Schema):
    id = fields.Integer()
    reference = fields.String()
    site_id = record_id()
    engineer_id = record_id(allow_none=True)
    summary = fields.String()
    window_start = fields.AwareDateTime()
    window_end = fields.AwareDateTime()
    status = fields.Enum(JobStatus, by_value=True)
    expected_parts = fields.List(fields.Nested(ExpectedPartRecord))
    notes = fields.String(allow_none=True)
    customer_signoff_name = fields.String(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    archived_at = fields.AwareDateTime(allow_none=True)


class WindowInReach(ma.Schema):
    """A window a dispatcher sets lies from a day ago to a year ahead (server/services/work/jobs.py)."""

    @ma.validates_schema
    def _window_in_reach(self, data, **kwargs):
        errors = jobs.window_errors(data.get("window_start"), data.get("window_end"), utcnow())
        if errors:
            raise ma.ValidationError(errors)


class JobCreateSchema(WindowInReach):
    site_id = record_id(required=True, strict=True)
    engineer_id = record_id(strict=True, allow_none=True, load_default=None)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=300))
    window_start = fields.AwareDateTime(required=True)
    window_end = fields.AwareDateTime(required=True)
    expected_parts = fields.List(fields.Nested(ExpectedPartSchema), load_default=list)
    reference = fields.String(validate=validate.Length(min=1, max=30))


class JobUpdateSchema(WindowInReach):
    engineer_id = record_id(strict=True, allow_none=True)
    summary = fields.String(validate=validate.Length(min=1, max=300))
    window_start = fields.AwareDateTime()
    window_end = fields.AwareDateTime()
    expected_parts = fields.List(fields.Nested(ExpectedPartSchema))
    status = fields.Enum(JobStatus, by_value=True)


class JobQuery(PageQuery):
    status = fields.Enum(JobStatus, by_value=True)
    engineer_id = record_id()
    site_id = record_id()


@blp.route("", methods=["GET"])
@requires(*STAFF)
@blp.arguments(JobQuery, location="query")
@blp.response(200, page_of(JobSchema))
def list_jobs(args):
    """Jobs by window, filtered."""
    query = sa.select(Job).order_by(Job.window_start, Job.id)
    query = where_equal(query, Job, args, ("status", "engineer_id", "site_id"))
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@requires(*STAFF)
@blp.arguments(JobCreateSchema)
@blp.response(201, JobSchema)
def create_job(data):
    """Create a job and assign it; it reaches the engineer's phone on the next pull.

    The window lies from a day ago to a year ahead and ends after it starts.
    """
    return jobs.create_job(db.session, jobs.JobDraft(**data), g.user)


@blp.route(f"/<{RECORD_ID}:job_id>", methods=["GET"])
@requires(*STAFF)
@blp.response(200, JobSchema)
def get_job(job_id: int):
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return job


@blp.route(f"/<{RECORD_ID}:job_id>", methods=["PATCH"])
@requires(*STAFF)
@blp.arguments(JobUpdateSchema)
@blp.response(200, JobSchema)
def update_job(data, job_id: int):
    """Reassign, reschedule or cancel a job; the previous engineer's phone gets a tombstone.

    A new window lies from a day ago to a year ahead.
    """
    return jobs.update_job(db.session, job_id, data, g.user)
