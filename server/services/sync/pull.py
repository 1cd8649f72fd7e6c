"""Pull: the changes in an engineer's scope since a cursor, one page per call.

A page is read in one snapshot. With no cursor the pages walk every record
in scope (a snapshot), then carry on from the change-log position taken when
the walk began; after that they follow the change log.

A transaction that started early and commits late writes log rows *below*
positions already served. So the cursor also carries the transactions that
were still in progress below its position; once one of them has finished,
its rows are served by transaction id, and nothing is ever skipped
(docs/sync-protocol.md, "Why no change is ever skipped").
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ChangeOp, SyncEntity
from server.database import begin_snapshot_read, unfinished_txids
from server.models import ChangeLogEntry, ServerState
from server.models.types import utcnow
from server.services.errors import ResyncRequired, ServiceError
from server.services.sync.records import load_records, part_records_after, van_stock_records_after
from server.services.sync.scope import GLOBAL_ENTITIES, keys_in_scope, snapshot_keys
from server.services.sync.sync_state import server_state
from server.sync.cursor import SNAPSHOT_ORDER, START, BadCursor, Cursor, LogPosition, decode


#: More transactions than this in progress below a position and the cursor waits instead of moving on.
MAX_PENDING = 200


class CursorError(ServiceError):
    status = 400


def pull_changes(session: so.Session, user_id: int, cursor_text: str | None, limit: int, *, retention_days: int) -> dict:
    state = server_state(session)
    begin_snapshot_read(session)
    unfinished = unfinished_txids(session)
    if cursor_text is None:
        start = _newest_position(session)
        cursor = Cursor(state.epoch, start, snapshot_entity=0, pending=_below(unfinished, start))
    else:
        try:
            cursor = decode(cursor_text)
        except BadCursor as err:
            raise CursorError(str(err), {"query": {"cursor": [str(err)]}}) from err
        _check_cursor(session, state, cursor, retention_days)

    if cursor.in_snapshot:
        changes, cursor = _snapshot_page(session, user_id, cursor, limit)
        full_resync = True
        has_more = cursor.in_snapshot or _log_has_rows(session, user_id, cursor, unfinished)
    else:
        changes, cursor, has_more = _log_page(session, user_id, cursor, limit, unfinished)
        full_resync = False
    session.commit()
    return {
        "changes": changes,
        "cursor": cursor.encode(),
        "has_more": has_more,
        "full_resync": full_resync,
        "server_time": utcnow(),
    }


def _check_cursor(session: so.Session, state: ServerState, cursor: Cursor, retention_days: int) -> None:
    if cursor.epoch != state.epoch:
        raise ResyncRequired(
            "The server's data was restored or reset since your last sync: your cached records are being "
            "replaced. Entries not yet sent are kept and will be sent."
        )
    pruned = (state.pruned_through_txid, state.pruned_through_id)
    if cursor.position.key() < pruned:
        raise ResyncRequired(
            f"Your last sync is older than the {retention_days} days the server keeps changes for: your cached "
            "records are being replaced. Entries not yet sent are kept and will be sent."
        )
    if cursor.position != START and cursor.position.key() > pruned:
        row = session.get(ChangeLogEntry, cursor.position.id)
        if row is None or row.txid != cursor.position.txid or row.nonce != cursor.position.nonce:
            raise ResyncRequired(
                "The server does not know your sync position (it was restored from a backup): your cached "
                "records are being replaced. Entries not yet sent are kept and will be sent."
            )


def _newest_position(session: so.Session) -> LogPosition:
    """The newest log row this snapshot sees (every row it sees is of a finished transaction)."""
    row = session.execute(
        sa.select(ChangeLogEntry.txid, ChangeLogEntry.id, ChangeLogEntry.nonce)
        .order_by(ChangeLogEntry.txid.desc(), ChangeLogEntry.id.desc())
        .limit(1)
    ).one_or_none()
    return LogPosition(*row) if row else START


def _below(unfinished: frozenset[int], position: LogPosition) -> tuple[int, ...]:
    return tuple(sorted(x for x in unfinished if x < position.txid))


def _in_scope(user_id: int):
    return sa.or_(ChangeLogEntry.scope_user_id.is_(None), ChangeLogEntry.scope_user_id == user_id)


def _after(position: LogPosition):
    return sa.tuple_(ChangeLogEntry.txid, ChangeLogEntry.id) > sa.tuple_(position.txid, position.id)


def _log_has_rows(session, user_id: int, cursor: Cursor, unfinished: frozenset[int]) -> bool:
    finished = cursor.finished(unfinished)
    where = _after(cursor.position) if not finished else sa.or_(_after(cursor.position), ChangeLogEntry.txid.in_(finished))
    return session.scalar(sa.select(ChangeLogEntry.id).where(_in_scope(user_id), where).limit(1)) is not None


def _snapshot_page(session, user_id: int, cursor: Cursor, limit: int):
    changes: list[dict] = []
    entity_index, after = cursor.snapshot_entity, cursor.snapshot_after
    while len(changes) < limit and entity_index < len(SNAPSHOT_ORDER):
        entity = SNAPSHOT_ORDER[entity_index]
        wanted = limit - len(changes)
        if entity == SyncEntity.PART:
            # The whole catalogue is in scope: one range query instead of its keys, then its records.
            page = part_records_after(session, after, wanted)
            keys = [k for k, _ in page]
            changes.extend(_upsert(entity, k, record) for k, record in page)
        elif entity == SyncEntity.VAN_STOCK:
            page = van_stock_records_after(session, user_id, after, wanted)
            keys = [k for k, _ in page]
            changes.extend(_upsert(entity, k, record) for k, record in page)
        else:
            keys = snapshot_keys(session, user_id, entity, after, wanted)
            records = load_records(session, entity, keys, user_id)
            changes.extend(_upsert(entity, k, records[k]) for k in keys if k in records)
        if len(keys) < wanted:
            entity_index, after = entity_index + 1, None
        else:
            after = keys[-1]
    if entity_index == len(SNAPSHOT_ORDER):
        return changes, Cursor(cursor.epoch, cursor.position, pending=cursor.pending)
    return changes, Cursor(cursor.epoch, cursor.position, entity_index, after, cursor.pending)


def _log_page(session, user_id: int, cursor: Cursor, limit: int, unfinished: frozenset[int]):
    columns = (ChangeLogEntry.txid, ChangeLogEntry.id, ChangeLogEntry.nonce, ChangeLogEntry.entity,
               ChangeLogEntry.entity_key, ChangeLogEntry.op)
    order = (ChangeLogEntry.txid, ChangeLogEntry.id)
    # Transactions that were running below the position and have finished since: all their rows, now.
    finished = cursor.finished(unfinished)
    late = session.execute(
        sa.select(*columns).where(_in_scope(user_id), ChangeLogEntry.txid.in_(finished)).order_by(*order)
    ).all() if finished else []
    new = session.execute(
        sa.select(*columns).where(_in_scope(user_id), _after(cursor.position)).order_by(*order).limit(limit + 1)
    ).all()
    has_more = len(new) > limit
    new = new[:limit]
    position = LogPosition(new[-1].txid, new[-1].id, new[-1].nonce) if new else cursor.position
    if not has_more:
        # Caught up: move to the newest row of any scope, so the cursor stays recent.
        newest = _newest_position(session)
        if newest.key() > position.key():
            position = newest
    moved = cursor.moved_to(position, unfinished, MAX_PENDING)
    if moved is None:
        # Too many transactions in flight to remember them all: stay put and serve this page again later.
        moved, new, has_more = cursor.stays(unfinished), [], True
    rows = late + new

    # The log only says which records changed; what is sent is their state in this snapshot. A record in
    # scope now is sent whole, whatever the rows said, and one out of scope (or gone) as a tombstone: a
    # late transaction's rows can then never undo a newer change already sent.
    touched = list(dict.fromkeys((row.entity, row.entity_key) for row in rows))
    current: dict[tuple[SyncEntity, str], dict] = {}
    for entity in SyncEntity:
        keys = [k for e, k in touched if e == entity]
        if entity not in GLOBAL_ENTITIES:
            allowed = keys_in_scope(session, user_id, entity, keys)
            keys = [k for k in keys if k in allowed]
        for key, record in load_records(session, entity, keys, user_id).items():
            current[(entity, key)] = record
    changes = [
        _upsert(entity, key, current[(entity, key)]) if (entity, key) in current else _delete(entity, key)
        for entity, key in touched
    ]

    return changes, moved, has_more


def _upsert(entity: SyncEntity, key: str, record: dict) -> dict:
    return {"entity": entity, "id": key, "op": ChangeOp.UPSERT, "data": record}


def _delete(entity: SyncEntity, key: str) -> dict:
    return {"entity": entity, "id": key, "op": ChangeOp.DELETE, "data": None}
