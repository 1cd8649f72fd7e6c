"""Facilities where returned items go: depots, refurbishment centres, recyclers."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import FacilityKind
from server.extensions import db
from server.models.types import UtcDateTime, enum_type, utcnow


class Facility(db.Model):
    __tablename__ = "facilities"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    kind: so.Mapped[FacilityKind] = so.mapped_column(enum_type(FacilityKind))
    #: FacilityCapability values.
    capabilities: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    address: so.Mapped[str] = so.mapped_column(sa.String(300))
    latitude: so.Mapped[float]
    longitude: so.Mapped[float]
    #: Items it can take in per day.
    daily_capacity_items: so.Mapped[int] = so.mapped_column(default=100)
    #: Refurbishment bench hours per weekday (none on weekends).
    bench_hours_per_weekday: so.Mapped[float] = so.mapped_column(default=0.0, server_default="0")
    #: Processing cost per item, by disposition value.
    processing_costs: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: The depot that forwards items here, when engineers cannot drop them directly.
    fed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("facilities.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
