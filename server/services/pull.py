"""Pull: the changes in an engineer's scope since a cursor, one page per call.

A page is read in one snapshot. With no cursor the pages walk every record
in scope (a snapshot), then carry on from the change-log position taken when
the walk began; after that they follow the change log. Only log rows of
finished transactions are served (server/database.py), so a transaction that
commits late is waited for, never skipped.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ChangeOp, SyncEntity
from server.database import begin_snapshot_read, finished_txid_horizon
from server.models import ChangeLogEntry, ServerState
from server.models.types import utcnow
from server.services.errors import ResyncRequired, ServiceError
from server.services.records import load_records, part_records_after
from server.services.scope import GLOBAL_ENTITIES, keys_in_scope, snapshot_keys
from server.services.sync_state import server_state
from server.sync.cursor import SNAPSHOT_ORDER, START, BadCursor, Cursor, LogPosition, decode


class CursorError(ServiceError):
    status = 400


def pull_changes(session: so.Session, user_id: int, cursor_text: str | None, limit: int, *, retention_days: int) -> dict:
    state = server_state(session)
    begin_snapshot_read(session)
    horizon = finished_txid_horizon(session)
    if cursor_text is None:
        cursor = Cursor(state.epoch, _newest_finished_position(session, horizon), snapshot_entity=0)
    else:
        try:
            cursor = decode(cursor_text)
        except BadCursor as err:
            raise CursorError(str(err), {"query": {"cursor": [str(err)]}}) from err
        _check_cursor(session, state, cursor, retention_days)

    if cursor.in_snapshot:
        changes, cursor = _snapshot_page(session, user_id, cursor, limit)
        full_resync = True
        has_more = cursor.in_snapshot or _log_has_rows(session, user_id, cursor.position, horizon)
    else:
        changes, cursor, has_more = _log_page(session, user_id, cursor, limit, horizon)
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


def _newest_finished_position(session: so.Session, horizon: int) -> LogPosition:
    row = session.execute(
        sa.select(ChangeLogEntry.txid, ChangeLogEntry.id, ChangeLogEntry.nonce)
        .where(ChangeLogEntry.txid < horizon)
        .order_by(ChangeLogEntry.txid.desc(), ChangeLogEntry.id.desc())
        .limit(1)
    ).one_or_none()
    return LogPosition(*row) if row else START


def _in_scope_after(user_id: int, position: LogPosition, horizon: int):
    return sa.and_(
        sa.or_(ChangeLogEntry.scope_user_id.is_(None), ChangeLogEntry.scope_user_id == user_id),
        sa.tuple_(ChangeLogEntry.txid, ChangeLogEntry.id) > sa.tuple_(position.txid, position.id),
        ChangeLogEntry.txid < horizon,
    )


def _log_has_rows(session, user_id: int, position: LogPosition, horizon: int) -> bool:
    query = sa.select(ChangeLogEntry.id).where(_in_scope_after(user_id, position, horizon)).limit(1)
    return session.scalar(query) is not None


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
        else:
            keys = snapshot_keys(session, user_id, entity, after, wanted)
            records = load_records(session, entity, keys)
            changes.extend(_upsert(entity, k, records[k]) for k in keys if k in records)
        if len(keys) < wanted:
            entity_index, after = entity_index + 1, None
        else:
            after = keys[-1]
    if entity_index == len(SNAPSHOT_ORDER):
        return changes, Cursor(cursor.epoch, cursor.position)
    return changes, Cursor(cursor.epoch, cursor.position, entity_index, after)


def _log_page(session, user_id: int, cursor: Cursor, limit: int, horizon: int):
    rows = session.execute(
        sa.select(ChangeLogEntry.txid, ChangeLogEntry.id, ChangeLogEntry.nonce, ChangeLogEntry.entity,
                  ChangeLogEntry.entity_key, ChangeLogEntry.op)
        .where(_in_scope_after(user_id, cursor.position, horizon))
        .order_by(ChangeLogEntry.txid, ChangeLogEntry.id)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]

    latest: dict[tuple[SyncEntity, str], ChangeOp] = {}
    for row in rows:
        latest.pop((row.entity, row.entity_key), None)
        latest[(row.entity, row.entity_key)] = row.op
    visible: dict[tuple[SyncEntity, str], dict] = {}
    for entity in SyncEntity:
        keys = [k for (e, k), op in latest.items() if e == entity and op == ChangeOp.UPSERT]
        if entity not in GLOBAL_ENTITIES:
            allowed = keys_in_scope(session, user_id, entity, keys)
            keys = [k for k in keys if k in allowed]
        for key, record in load_records(session, entity, keys).items():
            visible[(entity, key)] = record
    changes = [
        _upsert(entity, key, visible[(entity, key)]) if (entity, key) in visible else _delete(entity, key)
        for (entity, key) in latest
    ]

    if rows:
        last = rows[-1]
        position = LogPosition(last.txid, last.id, last.nonce)
    else:
        position = cursor.position
    if not has_more:
        # Caught up: move to the newest finished row of any scope, so the cursor stays recent.
        newest = _newest_finished_position(session, horizon)
        if newest.key() > position.key():
            position = newest
    return changes, Cursor(cursor.epoch, position), has_more


def _upsert(entity: SyncEntity, key: str, record: dict) -> dict:
    return {"entity": entity, "id": key, "op": ChangeOp.UPSERT, "data": record}


def _delete(entity: SyncEntity, key: str) -> dict:
    return {"entity": entity, "id": key, "op": ChangeOp.DELETE, "data": None}
