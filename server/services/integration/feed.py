"""Reading the outbound feed with a cursor, and its retention.

The cursor is the phone's pull cursor (server/sync/cursor.py) over the feed's
``(txid, seq)`` order, read the way server/services/sync/pull.py reads the
change log: one snapshot per page, and the transactions still in progress
below the position carried in the cursor, so that an event committed late by
an early transaction is served once it commits, never skipped
(docs/sync-protocol.md, "Why no change is ever skipped"). An event is served
once per cursor chain; reading again from an older cursor serves the same
events again.
"""

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.database import begin_snapshot_read, unfinished_txids
from server.models import FeedEvent, FeedState
from server.models.types import utcnow
from server.services.errors import Conflict, ServiceError
from server.services.sync.pull import MAX_PENDING
from server.services.sync.sync_state import prune_rows, server_state
from server.sync.cursor import START, BadCursor, Cursor, LogPosition, decode

class FeedCursorError(ServiceError):
    status = 400


class StaleCursor(Conflict):
    """The cursor points before what the feed still keeps (or at a feed restored from a backup)."""


def read_feed(session: so.Session, cursor_text: str | None, limit: int, *, retention_days: int) -> dict:
    """One page of events after the cursor; with none, from the oldest event kept. Reads one snapshot."""
    state = server_state(session)
    begin_snapshot_read(session)
    unfinished = unfinished_txids(session)
    if cursor_text is None:
        cursor = Cursor(state.epoch, START)
    else:
        try:
            cursor = decode(cursor_text)
        except BadCursor as err:
            raise FeedCursorError(str(err), {"query": {"cursor": [str(err)]}}) from err
        if cursor.in_snapshot:
            message = "This is a sync cursor, not a feed cursor."
            raise FeedCursorError(message, {"query": {"cursor": [message]}})
        _check_cursor(session, state.epoch, cursor, retention_days)
    rows, cursor, has_more = _page(session, cursor, limit, unfinished)
    session.commit()
    return {"events": [_event(row) for row in rows], "cursor": cursor.encode(), "has_more": has_more}


def _check_cursor(session: so.Session, epoch, cursor: Cursor, retention_days: int) -> None:
    def stale(message: str):
        return StaleCursor(message, {"query": {"cursor": [message]}})

    if cursor.epoch != epoch:
        raise stale("The server was restored from a backup since this cursor was issued: read the feed from no "
                    "cursor and de-duplicate by event id.")
    pruned = _pruned_through(session)
    if cursor.position.key() < pruned:
        raise stale(f"This cursor is older than the {retention_days} days the feed keeps events for: read from no "
                    "cursor (the oldest event kept) and reconcile what was missed.")
    if cursor.position != START and cursor.position.key() > pruned:
        row = session.execute(
            sa.select(FeedEvent.txid, FeedEvent.nonce).where(FeedEvent.seq == cursor.position.id)
        ).one_or_none()
        if row is None or row.txid != cursor.position.txid or row.nonce != cursor.position.nonce:
            raise stale("The feed does not know this cursor's position (it was restored from a backup): read from "
                        "no cursor and de-duplicate by event id.")


def _pruned_through(session: so.Session) -> tuple[int, int]:
    state = session.get(FeedState, 1)
    return (state.pruned_through_txid, state.pruned_through_seq) if state else (0, 0)


def _after(position: LogPosition):
    return sa.tuple_(FeedEvent.txid, FeedEvent.seq) > sa.tuple_(position.txid, position.id)


def _page(session: so.Session, cursor: Cursor, limit: int, unfinished: frozenset[int]):
    order = (FeedEvent.txid, FeedEvent.seq)
    # Transactions that were running below the position and have finished since: all their events, now.
    finished = cursor.finished(unfinished)
    late = session.scalars(
        sa.select(FeedEvent).where(FeedEvent.txid.in_(finished)).order_by(*order)
    ).all() if finished else []
    new = session.scalars(sa.select(FeedEvent).where(_after(cursor.position)).order_by(*order).limit(limit + 1)).all()
    has_more = len(new) > limit
    new = new[:limit]
    position = LogPosition(new[-1].txid, new[-1].seq, new[-1].nonce) if new else cursor.position
    moved = cursor.moved_to(position, unfinished, MAX_PENDING)
    if moved is None:
        # Too many transactions in flight to remember them all: stay put and serve this page again later.
        return list(late), cursor.stays(unfinished), True
    return list(late) + list(new), moved, has_more


def _event(row: FeedEvent) -> dict:
    return {"id": row.id, "type": row.type, "schema_version": row.schema_version, "occurred_at": row.occurred_at,
            "recorded_at": row.recorded_at, "data": row.data, "refs": row.refs}


def event_document(row: FeedEvent) -> dict:
    """An event as the feed and its webhooks send it, in JSON types."""
    doc = _event(row)
    return {**doc, "id": str(row.id), "occurred_at": row.occurred_at.isoformat(),
            "recorded_at": row.recorded_at.isoformat()}


def prune_feed(session: so.Session, retention_days: int) -> int:
    """Delete events recorded before the retention, keeping the newest. A task: does not commit."""
    pruned = prune_rows(session, FeedEvent, FeedEvent.txid, FeedEvent.seq, FeedEvent.recorded_at,
                        utcnow() - timedelta(days=retention_days))
    if pruned is None:
        return 0
    state = session.get(FeedState, 1)
    if state is None:
        state = FeedState(id=1, pruned_through_txid=0, pruned_through_seq=0)
        session.add(state)
    deleted, (state.pruned_through_txid, state.pruned_through_seq) = pruned
    return deleted

