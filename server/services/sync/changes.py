"""Writes the change log that phones pull, in the transaction of the change itself.

Whatever changes a synced record — a push, a dispatcher, an import, the admin
pages, a script — goes through a session flush, so the log is written here,
after each flush, from what the flush changed. The scope rules it applies are
those of server/services/sync/scope.py. Synced records must therefore be changed
through ORM objects, not bulk UPDATE statements (a stock movement changes its
van's stock record); the one exception, new
return lines written with a multi-row INSERT by a push, is logged by
`record_new_return_lines` in the same transaction.
"""

from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ChangeOp, JobStatus, StockLocationKind, SyncEntity
from common.stock import van_stock_key
from server.models import (
    ChangeLogEntry, Delivery, Facility, Job, PartNumber, Pickup, ReturnLine, SerialisedItem, Site, StockLocation,
    StockMovement,
)
from server.services.flush_history import before, changed
from server.services.sync.scope import delivery_scope_user, engineers_of_sites, line_scope_user


class _Log:
    def __init__(self):
        self.rows: dict[tuple[SyncEntity, str, int | None], ChangeOp] = {}
        self.sites_touched: set[int] = set()
        self.sites_maybe_left: set[tuple[int, int]] = set()  # (site id, engineer id)

    def note(self, entity: SyncEntity, key, op: ChangeOp, scope: int | None = None) -> None:
        # The latest op per record and scope wins.
        self.rows.pop((entity, str(key), scope), None)
        self.rows[(entity, str(key), scope)] = op

    def job(self, job: Job, is_new: bool, deleted: bool) -> None:
        def in_scope(engineer, status, archived_at):
            return engineer is not None and status != JobStatus.CANCELLED and archived_at is None

        now_engineer = job.engineer_id
        now_in = not deleted and in_scope(job.engineer_id, job.status, job.archived_at)
        if is_new:
            before_engineer, before_in, before_site = None, False, job.site_id
        else:
            before_engineer = before(job, "engineer_id")
            before_in = in_scope(before_engineer, before(job, "status"), before(job, "archived_at"))
            before_site = before(job, "site_id")
        if before_in and (before_engineer != now_engineer or not now_in):
            self.note(SyncEntity.JOB, job.id, ChangeOp.DELETE, before_engineer)
            self.sites_maybe_left.add((before_site, before_engineer))
        elif before_in and before_site != job.site_id:
            self.sites_maybe_left.add((before_site, before_engineer))
        if now_in:
            self.note(SyncEntity.JOB, job.id, ChangeOp.UPSERT, now_engineer)
            if not before_in or before_engineer != now_engineer or before_site != job.site_id:
                self.note(SyncEntity.SITE, job.site_id, ChangeOp.UPSERT, now_engineer)

    def return_line(self, line: ReturnLine, is_new: bool, deleted: bool) -> None:
        now_user = None if deleted else line_scope_user(line.holder_kind, line.holder_id, line.status,
                                                        line.removed_by_id)
        before_user = None if is_new else line_scope_user(
            before(line, "holder_kind"), before(line, "holder_id"), before(line, "status"),
            before(line, "removed_by_id"))
        if before_user is not None and before_user != now_user:
            self.note(SyncEntity.RETURN_LINE, line.id, ChangeOp.DELETE, before_user)
        if now_user is not None:
            self.note(SyncEntity.RETURN_LINE, line.id, ChangeOp.UPSERT, now_user)

    def delivery(self, delivery: Delivery, is_new: bool, deleted: bool) -> None:
        now_user = None if deleted else delivery_scope_user(delivery.engineer_id, delivery.status)
        before_user = None if is_new else delivery_scope_user(before(delivery, "engineer_id"),
                                                              before(delivery, "status"))
        if before_user is not None and before_user != now_user:
            self.note(SyncEntity.DELIVERY, delivery.id, ChangeOp.DELETE, before_user)
        if now_user is not None:
            self.note(SyncEntity.DELIVERY, delivery.id, ChangeOp.UPSERT, now_user)

    def pickup(self, session: so.Session, pickup: Pickup) -> None:
        """A pickup planned, moved or collected: its lines' records carry its window."""
        lines = session.execute(
            sa.select(ReturnLine.id, ReturnLine.holder_kind, ReturnLine.holder_id, ReturnLine.status,
                      ReturnLine.removed_by_id).where(ReturnLine.pickup_id == pickup.id)
        )
        for key, *state in lines:
            user = line_scope_user(*state)
            if user is not None:
                self.note(SyncEntity.RETURN_LINE, key, ChangeOp.UPSERT, user)

    def item(self, item: SerialisedItem, is_new: bool) -> None:
        self.sites_touched.update(s for s in (item.site_id, None if is_new else before(item, "site_id")) if s)

    def van_stock(self, session: so.Session, movements: list[StockMovement]) -> None:
        """A movement into or out of an engineer's van changes that van's stock record."""
        sides = {(m.from_location_id, m.part_number_id, m.from_grade) for m in movements if m.from_location_id}
        sides |= {(m.to_location_id, m.part_number_id, m.to_grade) for m in movements if m.to_location_id}
        if not sides:
            return
        vans = dict(session.execute(
            sa.select(StockLocation.id, StockLocation.ref_id).where(
                StockLocation.id.in_({location for location, _, _ in sides}),
                StockLocation.kind == StockLocationKind.VAN)
        ).all())
        for location, part_id, grade in sides:
            if location in vans:
                self.note(SyncEntity.VAN_STOCK, van_stock_key(part_id, grade), ChangeOp.UPSERT, vans[location])

    def entries(self, session: so.Session) -> list[dict]:
        affected = {s for s, _ in self.sites_maybe_left} | self.sites_touched
        engineers = engineers_of_sites(session, affected) if affected else defaultdict(set)
        for site_id, engineer_id in self.sites_maybe_left:
            if engineer_id not in engineers.get(site_id, set()):
                self.note(SyncEntity.SITE, site_id, ChangeOp.DELETE, engineer_id)
        for site_id in self.sites_touched:
            for engineer_id in engineers.get(site_id, set()):
                self.note(SyncEntity.SITE, site_id, ChangeOp.UPSERT, engineer_id)
        return [
            {"entity": entity, "entity_key": key, "op": op, "scope_user_id": scope}
            for (entity, key, scope), op in self.rows.items()
        ]


#: The records whose changes reach phones, directly or (serialised items, pickups) through a synced record.
_SYNCED = (PartNumber, Facility, Site, Job, ReturnLine, SerialisedItem, Pickup, Delivery)
#: What a return line's record shows of its pickup (records.py).
_PICKUP_FIELDS = ("window_start", "window_end", "planned_date")


def register_change_log() -> None:
    """Write the change log in every session's flush; create_app calls it (calling it twice is harmless)."""
    if not sa.event.contains(so.Session, "after_flush", record_changes):
        sa.event.listen(so.Session, "after_flush", record_changes)


def record_changes(session: so.Session, flush_context) -> None:
    log = _Log()
    for objects, is_new, deleted in ((session.new, True, False), (session.dirty, False, False),
                                     (session.deleted, False, True)):
        for obj in objects:
            if not isinstance(obj, _SYNCED):
                continue
            # A serialised item counts only if one of the attributes below changed, which is the narrower test.
            if (not is_new and not deleted and not isinstance(obj, (SerialisedItem, Pickup))
                    and not session.is_modified(obj, include_collections=False)):
                continue
            if isinstance(obj, (PartNumber, Facility)):
                entity = SyncEntity.PART if isinstance(obj, PartNumber) else SyncEntity.FACILITY
                log.note(entity, obj.id, ChangeOp.DELETE if deleted else ChangeOp.UPSERT)
            elif isinstance(obj, Site):
                log.sites_touched.add(obj.id)
            elif isinstance(obj, Job):
                log.job(obj, is_new, deleted)
            elif isinstance(obj, ReturnLine):
                log.return_line(obj, is_new, deleted)
            elif isinstance(obj, Delivery):
                log.delivery(obj, is_new, deleted)
            elif isinstance(obj, Pickup):
                # A new pickup has no window yet; its lines are logged as they join it.
                if not is_new and not deleted and changed(obj, *_PICKUP_FIELDS):
                    log.pickup(session, obj)
            elif isinstance(obj, SerialisedItem) and (is_new or deleted or changed(obj, "status", "site_id", "serial", "installed_on")):
                log.item(obj, is_new)
    log.van_stock(session, [obj for obj in session.new if isinstance(obj, StockMovement)])
    _write(session, log)


def record_new_return_lines(session: so.Session, lines: list[ReturnLine]) -> None:
    """Log new return lines that are inserted without the ORM, as the flush hook would log them.

    Call it before the flush of the same push, so that the log keeps the order
    one flush would have given it (new lines first).
    """
    log = _Log()
    for line in lines:
        log.return_line(line, is_new=True, deleted=False)
    _write(session, log)


def _write(session: so.Session, log: _Log) -> None:
    if log.rows or log.sites_touched or log.sites_maybe_left:
        rows = log.entries(session)
        if rows:
            session.execute(sa.insert(ChangeLogEntry.__table__), rows)
