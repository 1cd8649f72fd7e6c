"""Background tasks, stored in the transaction that asks for them."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class BackgroundTask(db.Model):
    """A unit of background work. Whichever runner executes it, it runs in
    one transaction together with its effects, so it takes effect once."""

    __tablename__ = "background_tasks"
    __table_args__ = (sa.Index("ix_background_tasks_due", "status", "run_after"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    args: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: Two requests for the same work (say, the plan of one day) share a key.
    dedupe_key: so.Mapped[str | None] = so.mapped_column(sa.String(160), unique=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    run_after: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
