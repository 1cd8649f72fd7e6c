"""Entries a test phone logs, and what the server has stored of them."""

import sqlalchemy as sa

from mobile import entries
from mobile.store import Draft, Entry, Store
from server.models import Device, FieldEvent


def workload(job_id: int, count: int, first_serial: int = 30_000_000) -> list[Draft]:
    """`count` valid drafts: serialised removals, installations and non-serialised removals, in turn."""
    drafts = []
    for i in range(count):
        serial = f"AR{first_serial + i:08d}"
        drafts.append(
            entries.removal(job_id, "PRN-FUS-220", serial, "faulty", "electrical") if i % 3 == 0
            else entries.installation(job_id, "PRN-FUS-220", serial) if i % 3 == 1
            else entries.removal(job_id, "PRN-RLR-KIT", None, "working")
        )
    return drafts


def log_entries(store: Store, job_id: int, count: int, username: str = "amy", first_serial: int = 30_000_000) -> list[Entry]:
    """`count` valid entries, each checked and saved in its own transaction, as the app saves them."""
    logged = []
    for draft in workload(job_id, count, first_serial):
        logged += entries.log(store, [draft], username)
    return logged


def queue_entries(store: Store, job_id: int, count: int, username: str = "amy", first_serial: int = 30_000_000,
                  per_transaction: int = 100) -> list[Entry]:
    """The same entries as `log_entries`, saved straight into the outbox `per_transaction` at a time:
    for backlogs of thousands, where checking each against everything logged before would dominate."""
    drafts = workload(job_id, count, first_serial)
    logged = []
    for start in range(0, count, per_transaction):
        logged += store.log_entries(drafts[start:start + per_transaction], username=username)
    return logged


def server_events(session, device_id: str) -> list[FieldEvent]:
    """Every event the server stored from this device (a fresh read: the live server wrote them)."""
    session.rollback()
    return list(session.scalars(
        sa.select(FieldEvent).join(Device, FieldEvent.device_id == Device.id)
        .where(Device.device_uid == device_id).order_by(FieldEvent.seq)
    ))
