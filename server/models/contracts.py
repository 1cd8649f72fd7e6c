"""Records another system owns: the `source` and `external_id` every such row carries, and
the service contracts that only come from a source."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.extensions import db
from server.models.types import UtcDateTime, utcnow


class FromSource:
    """Columns of a row that another system may own (docs/integration.md, "Records in").

    `source` is the integration's source name, `external_id` the record's id in that system;
    both are empty for a row Fieldloop made itself. Each table keeps them unique together.
    """

    source: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    external_id: so.Mapped[str | None] = so.mapped_column(sa.String(80))


def unique_per_source(table: str) -> sa.Index:
    """One row per record of a source (rows without a source are not compared: NULLs differ)."""
    return sa.Index(f"ix_{table}_source_external_id", "source", "external_id", unique=True)


contract_sites = sa.Table(
    "contract_sites",
    db.metadata,
    sa.Column("contract_id", sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("site_id", sa.ForeignKey("sites.id"), primary_key=True),
)


class Contract(db.Model):
    """A service contract of a customer, covering some of its sites, as its source sent it."""

    __tablename__ = "contracts"
    __table_args__ = (unique_per_source("contracts"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(40))
    external_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    customer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("customers.id"), index=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(60))
    starts_on: so.Mapped[date]
    ends_on: so.Mapped[date | None]
    service_level: so.Mapped[str] = so.mapped_column(sa.String(60))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    customer = so.relationship("Customer")
    sites = so.relationship("Site", secondary=contract_sites, order_by="Site.id")
