"""The parts catalogue and the serialised items in the installed base."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import GradePolicy, HolderKind, ItemStatus
from server.extensions import db
from server.models.contracts import FromSource, unique_per_source
from server.models.types import UtcDateTime, enum_type, utcnow

Money = sa.Numeric(12, 2)


class PartNumber(FromSource, db.Model):
    __tablename__ = "part_numbers"
    __table_args__ = (unique_per_source("part_numbers"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    part_number: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    description: so.Mapped[str] = so.mapped_column(sa.String(200))
    category: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    vendor: so.Mapped[str] = so.mapped_column(sa.String(80))
    serialised: so.Mapped[bool] = so.mapped_column(default=True)
    #: A regular expression every serial of this part must match in full.
    serial_pattern: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    new_price: so.Mapped[Decimal] = so.mapped_column(Money)
    refurbishment_cost: so.Mapped[Decimal] = so.mapped_column(Money)
    #: Share of refurbishment attempts that give a sellable part (0–1).
    refurbishment_yield: so.Mapped[float] = so.mapped_column(default=0.8)
    #: Bench hours one refurbishment takes.
    refurbishment_hours: so.Mapped[float] = so.mapped_column(default=1.0, server_default="1")
    #: Which grades may serve a replacement of this part.
    grade_policy: so.Mapped[GradePolicy] = so.mapped_column(
        enum_type(GradePolicy), default=GradePolicy.REFURBISHED_FIRST, server_default=GradePolicy.REFURBISHED_FIRST.value
    )
    #: What a used part fetches as is (resale, or reuse as stock).
    residual_value: so.Mapped[Decimal] = so.mapped_column(Money, default=0)
    weight_kg: so.Mapped[float]
    volume_l: so.Mapped[float]
    hazardous: so.Mapped[bool] = so.mapped_column(default=False)
    vendor_warranty_days: so.Mapped[int] = so.mapped_column(default=365)
    #: Embodied CO2e of a new unit, kg; none: weight × the category's default in rules.toml [carbon].
    embodied_co2e_kg: so.Mapped[float | None]
    #: Share of the embodied CO2e recycling recovers (0–1); none: the category's default.
    material_recovery_share: so.Mapped[float | None]
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class SerialisedItem(FromSource, db.Model):
    """One physical, serialised item: where it is and in what state."""

    __tablename__ = "serialised_items"
    __table_args__ = (sa.UniqueConstraint("part_number_id", "serial"), unique_per_source("serialised_items"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    part_number_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("part_numbers.id"))
    serial: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    status: so.Mapped[ItemStatus] = so.mapped_column(enum_type(ItemStatus))
    location_kind: so.Mapped[HolderKind] = so.mapped_column(enum_type(HolderKind))
    #: The site, engineer (user) or facility id, by location_kind; none for a courier.
    location_id: so.Mapped[int | None]
    #: The site where it is (or was last) installed.
    site_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("sites.id"), index=True)
    installed_on: so.Mapped[date | None]
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    part: so.Mapped[PartNumber] = so.relationship()
