"""Customers and the sites where their equipment is installed."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.extensions import db
from server.models.contracts import FromSource, unique_per_source
from server.models.types import UtcDateTime, utcnow


class Customer(FromSource, db.Model):
    __tablename__ = "customers"
    __table_args__ = (unique_per_source("customers"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160), unique=True)
    #: Optional outbound webhook for customers or 3PLs that integrate.
    webhook_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    webhook_secret: so.Mapped[str | None] = so.mapped_column(sa.String(128))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)

    sites: so.WriteOnlyMapped["Site"] = so.relationship(back_populates="customer")


class Site(FromSource, db.Model):
    __tablename__ = "sites"
    __table_args__ = (unique_per_source("sites"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    customer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("customers.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    address: so.Mapped[str] = so.mapped_column(sa.String(300))
    postcode: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    latitude: so.Mapped[float]
    longitude: so.Mapped[float]
    #: Opening hours by weekday: {"mon": [["08:00", "17:00"]], …}; a missing day is closed.
    access_hours: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    contact_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    contact_phone: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    customer: so.Mapped[Customer] = so.relationship(back_populates="sites")
