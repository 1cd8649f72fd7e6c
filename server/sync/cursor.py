"""The pull cursor: opaque to phones, a position in the change log to the server.

Two kinds: a *snapshot* cursor walks the records in scope entity by entity
(a first or full re-sync); a *log* cursor follows the change log from a
position ``(txid, id)``. Both carry the server epoch, and the transactions
that were still in progress below the position when it was taken (their
changes, if they commit, are older than the position and are fetched by
transaction id).
"""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass

from common.enums import SyncEntity
from common.representable import MAX_RECORD_ID
from common.stock import van_stock_key

#: Log positions and transaction ids are 64-bit integers; a nonce is a 32-bit one.
MAX_POSITION = 2**63 - 1
MAX_NONCE = 2**31 - 1

#: The order in which a snapshot walks the records.
SNAPSHOT_ORDER: tuple[SyncEntity, ...] = tuple(SyncEntity)


class BadCursor(ValueError):
    """A cursor the server did not issue, or cannot read."""


@dataclass(frozen=True)
class LogPosition:
    txid: int
    id: int
    nonce: int

    def key(self) -> tuple[int, int]:
        return (self.txid, self.id)


START = LogPosition(0, 0, 0)


@dataclass(frozen=True)
class Cursor:
    epoch: uuid.UUID
    position: LogPosition
    #: While walking a snapshot: the entity being walked and the last key sent.
    snapshot_entity: int | None = None
    snapshot_after: str | None = None
    #: Transactions below the position that had not finished when it was taken.
    pending: tuple[int, ...] = ()

    @property
    def in_snapshot(self) -> bool:
        return self.snapshot_entity is not None

    def finished(self, unfinished: frozenset[int]) -> list[int]:
        """The transactions this cursor watched that have finished since: all their rows are due now."""
        return [x for x in self.pending if x not in unfinished]

    def moved_to(self, position: LogPosition, unfinished: frozenset[int], max_pending: int) -> "Cursor | None":
        """This cursor moved on to `position`, watching what still runs below it; None when that would be more
        than `max_pending` transactions to remember (the reader then stays where it is, see `stays`)."""
        pending = tuple(sorted(self._still_running(unfinished) | {x for x in unfinished if x < position.txid}))
        return None if len(pending) > max_pending else Cursor(self.epoch, position, pending=pending)

    def stays(self, unfinished: frozenset[int]) -> "Cursor":
        """This cursor where it is, watching only those of its transactions still running."""
        return Cursor(self.epoch, self.position, pending=tuple(sorted(self._still_running(unfinished))))

    def _still_running(self, unfinished: frozenset[int]) -> set[int]:
        return {x for x in self.pending if x in unfinished}

    def encode(self) -> str:
        doc = {"v": 1, "e": self.epoch.hex, "p": [self.position.txid, self.position.id, self.position.nonce]}
        if self.in_snapshot:
            doc["s"] = [self.snapshot_entity, self.snapshot_after]
        if self.pending:
            doc["q"] = list(self.pending)
        raw = json.dumps(doc, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        doc = json.loads(raw)
        if doc.get("v") != 1:
            raise BadCursor("This cursor is of an unknown version.")
        txid, row_id, nonce = (_number(x, MAX_POSITION) for x in doc["p"])
        if nonce > MAX_NONCE:
            raise ValueError("nonce out of range")
        pending = tuple(_number(x, MAX_POSITION) for x in doc.get("q", ()))
        entity, after = doc.get("s", (None, None))
        if entity is not None and not (isinstance(entity, int) and 0 <= entity < len(SNAPSHOT_ORDER)):
            raise BadCursor("This cursor names no known record kind.")
        return Cursor(uuid.UUID(hex=doc["e"]), LogPosition(txid, row_id, nonce), entity,
                      _snapshot_key(entity, after), pending)
    except BadCursor:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError, AttributeError) as err:
        raise BadCursor("This cursor cannot be read; pull without a cursor to start again.") from err


def _number(value, highest: int) -> int:
    """A non-negative integer the database can compare with, or ValueError."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= highest:
        raise ValueError(f"{value!r} is not a position")
    return value


def _snapshot_key(entity: int | None, after) -> str | None:
    """The last key a snapshot sent, checked to be a key of that record kind."""
    if after is None:
        return None
    if not isinstance(after, str):
        raise ValueError("a snapshot key is text")
    if SNAPSHOT_ORDER[entity] == SyncEntity.RETURN_LINE:
        return str(uuid.UUID(after))
    if SNAPSHOT_ORDER[entity] == SyncEntity.VAN_STOCK:
        part_id, _, grade = after.partition(":")
        if not part_id.isascii() or not part_id.isdigit():
            raise ValueError("a van stock key is a part number id and a grade")
        return van_stock_key(_number(int(part_id), MAX_RECORD_ID), grade)
    if not after.isascii() or not after.isdigit():
        raise ValueError("a record id is digits")
    return str(_number(int(after), MAX_RECORD_ID))
