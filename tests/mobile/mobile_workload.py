"""Entries a test phone logs, and what the server has stored of them."""

import sqlalchemy as sa

from mobile import entries
from mobile.store import Entry, Store
from server.models import Device, FieldEvent


def log_entries(store: Store, job_id: int, count: int, username: str = "amy", first_serial: int = 30_000_000) -> list[Entry]:
    """`count` valid entries, one transaction each: serialised removals, installations and non-serialised removals."""
    logged = []
    for i in range(count):
        serial = f"AR{first_serial + i:08d}"
        draft = (
            entries.removal(job_id, "PRN-FUS-220", serial, "faulty", "electrical") if i % 3 == 0
            else entries.installation(job_id, "PRN-FUS-220", serial) if i % 3 == 1
            else entries.removal(job_id, "PRN-RLR-KIT", None, "working")
        )
        logged += entries.log(store, [draft], username)
    return logged


def server_events(session, device_id: str) -> list[FieldEvent]:
    """Every event the server stored from this device (a fresh read: the live server wrote them)."""
    session.rollback()
    return list(session.scalars(
        sa.select(FieldEvent).join(Device, FieldEvent.device_id == Device.id)
        .where(Device.device_uid == device_id).order_by(FieldEvent.seq)
    ))
