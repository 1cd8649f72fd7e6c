"""The change log phones pull from, and the server's sync epoch."""

import secrets
import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ChangeOp, SyncEntity
from server.database import current_txid
from server.extensions import db
from server.models.types import BigId, UtcDateTime, enum_type, utcnow


class ChangeLogEntry(db.Model):
    """A record changed for one engineer's scope (or for everyone: scope None).

    Written in the same transaction as the change. Ordered by
    ``(txid, id)``; see docs/sync-protocol.md for why that never skips a row.
    """

    __tablename__ = "change_log"
    __table_args__ = (
        sa.Index("ix_change_log_position", "txid", "id"),
        # A pull reads its own scope (and the global one) after a position: one range per scope.
        sa.Index("ix_change_log_scope_position", "scope_user_id", "txid", "id"),
        {"sqlite_autoincrement": True},
    )

    id: so.Mapped[int] = so.mapped_column(BigId, primary_key=True, autoincrement=True)
    txid: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=current_txid())
    #: Random, so that a cursor cannot match a different row after a restore.
    nonce: so.Mapped[int] = so.mapped_column(default=lambda: secrets.randbits(31))
    entity: so.Mapped[SyncEntity] = so.mapped_column(enum_type(SyncEntity))
    entity_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    op: so.Mapped[ChangeOp] = so.mapped_column(enum_type(ChangeOp))
    scope_user_id: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)


class ServerState(db.Model):
    """One row: the sync epoch, and how far the change log has been pruned."""

    __tablename__ = "server_state"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    epoch: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, default=uuid.uuid4)
    pruned_through_txid: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    pruned_through_id: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    epoch_started_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
