"""The outbound feed: every fact an integration may want, in the order a cursor can follow."""

import secrets
import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.database import current_txid
from server.extensions import db
from server.models.types import BigId, UtcDateTime, utcnow


class FeedEvent(db.Model):
    """One fact, written in the same transaction as the fact itself.

    Ordered by ``(txid, seq)`` like the sync change log (docs/sync-protocol.md,
    "Why no change is ever skipped"); `id` is the event's stable id, which
    consumers and webhook receivers de-duplicate by.
    """

    __tablename__ = "feed_events"
    __table_args__ = (
        sa.Index("ix_feed_events_position", "txid", "seq"),
        {"sqlite_autoincrement": True},
    )

    seq: so.Mapped[int] = so.mapped_column(BigId, primary_key=True, autoincrement=True)
    id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, unique=True)
    txid: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=current_txid())
    #: Random, so that a cursor cannot match a different row after a restore.
    nonce: so.Mapped[int] = so.mapped_column(default=lambda: secrets.randbits(31))
    type: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    schema_version: so.Mapped[int] = so.mapped_column(default=1)
    #: When the fact happened, and when the feed learnt it (retention counts from this one).
    occurred_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    recorded_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)
    data: so.Mapped[dict] = so.mapped_column(sa.JSON)
    #: The records the fact concerns: {"return_line_id": …, "part_number": …, "location": …}.
    refs: so.Mapped[dict] = so.mapped_column(sa.JSON)


class FeedState(db.Model):
    """One row: how far the feed has been pruned, so that an older cursor is told so (409)."""

    __tablename__ = "feed_state"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pruned_through_txid: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    pruned_through_seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
