"""The server's sync epoch and the retention of the change log."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.database import begin_write
from server.models import ChangeLogEntry, ServerState
from server.models.types import utcnow


def server_state(session: so.Session) -> ServerState:
    """The single server-state row, created on first use."""
    state = session.get(ServerState, 1)
    if state is None:
        begin_write(session)
        state = session.get(ServerState, 1) or ServerState(id=1, epoch=uuid.uuid4())
        session.add(state)
        session.commit()
    return state


def rotate_epoch(session: so.Session) -> uuid.UUID:
    """Make every phone re-sync from scratch: run after restoring a backup."""
    server_state(session)
    begin_write(session)
    state = session.get(ServerState, 1)
    state.epoch = uuid.uuid4()
    state.epoch_started_at = utcnow()
    session.commit()
    return state.epoch


def prune_change_log(session: so.Session, retention_days: int) -> int:
    """Delete log rows older than the retention, keeping the newest row. A task: does not commit."""
    cutoff = utcnow() - timedelta(days=retention_days)
    newest_id = session.scalar(sa.select(sa.func.max(ChangeLogEntry.id)))
    last_old = session.execute(
        sa.select(ChangeLogEntry.txid, ChangeLogEntry.id)
        .where(ChangeLogEntry.created_at < cutoff, ChangeLogEntry.id != newest_id)
        .order_by(ChangeLogEntry.txid.desc(), ChangeLogEntry.id.desc())
        .limit(1)
    ).one_or_none()
    if last_old is None:
        return 0
    state = session.get(ServerState, 1)
    if state is None:
        state = ServerState(id=1, epoch=uuid.uuid4())
        session.add(state)
    through = sa.tuple_(ChangeLogEntry.txid, ChangeLogEntry.id) <= sa.tuple_(last_old.txid, last_old.id)
    deleted = session.execute(sa.delete(ChangeLogEntry).where(through, ChangeLogEntry.id != newest_id)).rowcount
    state.pruned_through_txid, state.pruned_through_id = last_old.txid, last_old.id
    return deleted
