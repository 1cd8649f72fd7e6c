"""Work orders at customer sites, and who they were assigned to when."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import JobStatus
from server.extensions import db
from server.logistics.states import job_transition
from server.models.contracts import FromSource, unique_per_source
from server.models.types import UtcDateTime, enum_type, utcnow

#: What an engineer does with an expected part: swap it for a new one, or take it away.
EXPECTED_PART_ACTIONS = ("replace", "collect")


class Job(FromSource, db.Model):
    __tablename__ = "jobs"
    __table_args__ = (unique_per_source("jobs"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(30), unique=True)
    site_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sites.id"), index=True)
    engineer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    summary: so.Mapped[str] = so.mapped_column(sa.String(300))
    window_start: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    window_end: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    status: so.Mapped[JobStatus] = so.mapped_column(enum_type(JobStatus), default=JobStatus.OPEN, index=True)
    #: [{"part_number": …, "quantity": …, "action": one of EXPECTED_PART_ACTIONS}]
    expected_parts: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    customer_signoff_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: Set some days after completion, when the job leaves the engineer's phone.
    archived_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    site = so.relationship("Site")
    engineer = so.relationship("User", foreign_keys=[engineer_id])

    def move_to(self, status: JobStatus) -> None:
        self.status = job_transition(self.status, status)


class JobAssignment(db.Model):
    """One period during which a job was assigned to an engineer."""

    __tablename__ = "job_assignments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jobs.id"), index=True)
    engineer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    assigned_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    unassigned_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    assigned_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
