"""Reconciliations of a source system's stock balances with the ledger, and which one is agreed.

A reconciliation keeps only its differences (a key that agrees is counted,
not stored), the ledger position it was compared at (`ledger_seq`) and the
moment it stood for (`as_of_moment`): once agreed, the movements its balance
did not hold (recorded after that position, or occurred after that moment)
are where the next explanation starts (server/services/integration/reconcile.py).
"""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import StockGrade
from server.extensions import db
from server.models.types import UtcDateTime, enum_type, utcnow


class Reconciliation(db.Model):
    __tablename__ = "reconciliations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: The day the source's balances are of, and the moment it stands for (the end of that day, site time).
    as_of: so.Mapped[date]
    as_of_moment: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    #: The highest movement seq the comparison saw.
    ledger_seq: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    #: The agreed reconciliation this one's explanations start from (none: the start of the ledger).
    since_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reconciliations.id"))
    since_seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    #: The integration's source ("erp"), or none when staff uploaded the file.
    source: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    filename: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    rows_compared: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    agreed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime, index=True)
    agreed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    lines = so.relationship("ReconciliationLine", back_populates="reconciliation", order_by="ReconciliationLine.id",
                            cascade="all, delete-orphan")
    created_by = so.relationship("User", foreign_keys=[created_by_id])
    agreed_by = so.relationship("User", foreign_keys=[agreed_by_id])


class ReconciliationLine(db.Model):
    """One (part, location, grade) whose quantities differ, and the movements that explain it (none: unexplained)."""

    __tablename__ = "reconciliation_lines"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reconciliation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reconciliations.id"), index=True)
    part_number: so.Mapped[str] = so.mapped_column(sa.String(64))
    location: so.Mapped[str] = so.mapped_column(sa.String(80))
    grade: so.Mapped[StockGrade] = so.mapped_column(enum_type(StockGrade))
    source_quantity: so.Mapped[int]
    fieldloop_quantity: so.Mapped[int]
    difference: so.Mapped[int]
    #: "explained" or "unexplained" (server/logistics/reconcile.py Outcome).
    outcome: so.Mapped[str] = so.mapped_column(sa.String(20))
    #: The explaining movements' ids, in ledger order.
    movement_ids: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    reconciliation = so.relationship(Reconciliation, back_populates="lines")
