"""The server's sync epoch and the retention of the change log."""

import uuid
from datetime import datetime, timedelta

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


def prune_rows(session: so.Session, model, txid_column, position_column, time_column, cutoff: datetime
               ) -> tuple[int, tuple[int, int]] | None:
    """Delete the rows of a log ordered by (transaction id, position) recorded before `cutoff`, always keeping
    the newest row; how many went and the (txid, position) pruned through, or None if none was old enough."""
    newest = session.scalar(sa.select(sa.func.max(position_column)))
    last_old = session.execute(
        sa.select(txid_column, position_column)
        .where(time_column < cutoff, position_column != newest)
        .order_by(txid_column.desc(), position_column.desc())
        .limit(1)
    ).one_or_none()
    if last_old is None:
        return None
    through = sa.tuple_(txid_column, position_column) <= sa.tuple_(*last_old)
    deleted = session.execute(sa.delete(model).where(through, position_column != newest)).rowcount
    return deleted, tuple(last_old)


def prune_change_log(session: so.Session, retention_days: int) -> int:
    """Delete log rows older than the retention, keeping the newest row. A task: does not commit."""
    pruned = prune_rows(session, ChangeLogEntry, ChangeLogEntry.txid, ChangeLogEntry.id, ChangeLogEntry.created_at,
                        utcnow() - timedelta(days=retention_days))
    if pruned is None:
        return 0
    state = session.get(ServerState, 1)
    if state is None:
        state = ServerState(id=1, epoch=uuid.uuid4())
        session.add(state)
    deleted, (state.pruned_through_txid, state.pruned_through_id) = pruned
    return deleted
