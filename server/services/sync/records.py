"""The records phones receive, built in bulk from the database (schemas: common/schemas.py)."""

import uuid
from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import DeliveryMode, ItemStatus, StockLocationKind, SyncEntity
from common.schemas import RECORD_SCHEMAS
from common.stock import van_stock_key
from server.models import (
    Delivery, Facility, Job, PartNumber, Pickup, Reservation, ReturnLine, SerialisedItem, Site, StockLocation,
)
from server.models.pickups import pickup_reference
from server.services.stock.ledger import balances, existing_location_id

_DUMPERS = {entity: schema() for entity, schema in RECORD_SCHEMAS.items()}


def load_records(session: so.Session, entity: SyncEntity, keys: list[str], user_id: int) -> dict[str, dict]:
    """Records by key, as `user_id`'s phone sees them (van stock is theirs); a key with no record is absent."""
    if not keys:
        return {}
    if entity == SyncEntity.VAN_STOCK:
        return van_stock_records(session, user_id, keys)
    loaded = _LOADERS[entity](session, keys)
    if entity in _BUILT_AS_RECORDS:
        return {str(k): v for k, v in loaded.items()}
    return {str(k): _DUMPERS[entity].dump(v) for k, v in loaded.items()}


def _facilities(session, keys):
    rows = session.scalars(sa.select(Facility).where(Facility.id.in_([int(k) for k in keys])))
    return {f.id: f for f in rows}


# The catalogue is most of a first pull, so part records are read as plain rows of just their
# columns and built directly (every field is a plain value: what PartRecord would dump), and a
# snapshot reads them a page at a time by id range (docs/BENCHMARKS.md, "Pull").
_PART_COLUMNS = (PartNumber.id, PartNumber.part_number, PartNumber.description, PartNumber.category,
                 PartNumber.serialised, PartNumber.serial_pattern, PartNumber.hazardous, PartNumber.weight_kg,
                 PartNumber.volume_l)


def _part_record(row) -> dict:
    return {
        "id": row.id,
        "part_number": row.part_number,
        "description": row.description,
        "category": row.category,
        "serialised": row.serialised,
        "serial_pattern": row.serial_pattern,
        "hazardous": row.hazardous,
        "weight_kg": row.weight_kg,
        "volume_l": row.volume_l,
    }


def _parts(session, keys):
    rows = session.execute(sa.select(*_PART_COLUMNS).where(PartNumber.id.in_([int(k) for k in keys])))
    return {row.id: _part_record(row) for row in rows}


def part_records_after(session: so.Session, after: str | None, limit: int) -> list[tuple[str, dict]]:
    """The next `limit` part records after the key `after`, in key order: a snapshot page of the catalogue."""
    query = sa.select(*_PART_COLUMNS).order_by(PartNumber.id).limit(limit)
    if after is not None:
        query = query.where(PartNumber.id > int(after))
    return [(str(row.id), _part_record(row)) for row in session.execute(query)]


def _sites(session, keys):
    ids = [int(k) for k in keys]
    sites = session.scalars(sa.select(Site).where(Site.id.in_(ids)).options(so.joinedload(Site.customer))).all()
    installed = defaultdict(list)
    rows = session.execute(
        sa.select(SerialisedItem.site_id, SerialisedItem.serial, PartNumber.part_number, SerialisedItem.installed_on)
        .join(PartNumber, SerialisedItem.part_number_id == PartNumber.id)
        .where(SerialisedItem.site_id.in_(ids), SerialisedItem.status == ItemStatus.INSTALLED)
        .order_by(SerialisedItem.site_id, PartNumber.part_number, SerialisedItem.serial)
    )
    for site_id, serial, part_number, installed_on in rows:
        installed[site_id].append({"serial": serial, "part_number": part_number, "installed_on": installed_on})
    out = {}
    for site in sites:
        out[site.id] = {
            "id": site.id,
            "customer_name": site.customer.name,
            "name": site.name,
            "address": site.address,
            "latitude": site.latitude,
            "longitude": site.longitude,
            "access_hours": site.access_hours,
            "contact_name": site.contact_name,
            "contact_phone": site.contact_phone,
            "contact_email": site.contact_email,
            "installed": installed[site.id],
        }
    return out


def _jobs(session, keys):
    rows = session.scalars(sa.select(Job).where(Job.id.in_([int(k) for k in keys])))
    return {j.id: j for j in rows}


def _return_lines(session, keys):
    rows = session.execute(
        sa.select(ReturnLine, PartNumber.part_number, Pickup.window_start, Pickup.window_end)
        .join(PartNumber, ReturnLine.part_number_id == PartNumber.id)
        .outerjoin(Pickup, ReturnLine.pickup_id == Pickup.id)
        .where(ReturnLine.id.in_([uuid.UUID(k) for k in keys]))
    )
    out = {}
    for line, part_number, pickup_start, pickup_end in rows:
        out[line.id] = {
            "id": line.id,
            "part_number": part_number,
            "serial": line.serial,
            "quantity": line.quantity,
            "condition": line.condition,
            "status": line.status,
            "job_id": line.job_id,
            "origin_site_id": line.origin_site_id,
            "disposition": line.disposition,
            "travel_mode": line.travel_mode,
            "destination_facility_id": line.destination_facility_id,
            "holder_kind": line.holder_kind,
            "pickup_reference": pickup_reference(line.pickup_id) if line.pickup_id else None,
            "pickup_window_start": pickup_start,
            "pickup_window_end": pickup_end,
        }
    return out


def van_stock_records(session: so.Session, user_id: int, keys: list[str] | None = None) -> dict[str, dict]:
    """The engineer's van balances by key (all of them without `keys`); a zero balance has no record."""
    van = existing_location_id(session, StockLocationKind.VAN, user_id)
    if van is None:
        return {}
    wanted = None if keys is None else set(keys)
    rows = [b for b in balances(session, location_ids=[van])
            if wanted is None or van_stock_key(b.part_number_id, b.grade) in wanted]
    parts = {p.id: p for p in session.scalars(
        sa.select(PartNumber).where(PartNumber.id.in_({b.part_number_id for b in rows})))} if rows else {}
    return {
        van_stock_key(b.part_number_id, b.grade): {
            "id": van_stock_key(b.part_number_id, b.grade), "part_number": parts[b.part_number_id].part_number,
            "description": parts[b.part_number_id].description, "grade": b.grade.value, "quantity": b.quantity,
        }
        for b in rows
    }


def van_stock_records_after(session: so.Session, user_id: int, after: str | None, limit: int) -> list[tuple[str, dict]]:
    """The next van stock records of a snapshot walk, in key order."""
    records = van_stock_records(session, user_id)
    return [(k, records[k]) for k in sorted(records) if after is None or k > after][:limit]
def _deliveries(session, keys):
    source, target = so.aliased(StockLocation), so.aliased(StockLocation)
    rows = session.execute(
        sa.select(Delivery, Reservation.job_id, PartNumber.part_number, source.name, target.ref_id)
        .join(Reservation, Delivery.reservation_id == Reservation.id)
        .join(PartNumber, Delivery.part_number_id == PartNumber.id)
        .join(source, Delivery.from_location_id == source.id)
        .join(target, Delivery.to_location_id == target.id)
        .where(Delivery.id.in_([int(k) for k in keys]))
    )
    out = {}
    for delivery, job_id, part_number, from_name, target_ref in rows:
        out[delivery.id] = {
            "id": delivery.id,
            "job_id": job_id,
            "part_number": part_number,
            "quantity": delivery.quantity,
            "grade": delivery.grade,
            "mode": delivery.mode,
            "status": delivery.status,
            "site_id": delivery.site_id,
            "depot_facility_id": target_ref if delivery.mode == DeliveryMode.DEPOT_COLLECTION else None,
            "from_name": from_name,
            "deadline": delivery.deadline,
        }
    return out


#: Loaders whose dicts are already the records (no schema dump needed).
_BUILT_AS_RECORDS = frozenset({SyncEntity.PART})

_LOADERS = {
    SyncEntity.FACILITY: _facilities,
    SyncEntity.PART: _parts,
    SyncEntity.SITE: _sites,
    SyncEntity.JOB: _jobs,
    SyncEntity.RETURN_LINE: _return_lines,
    SyncEntity.DELIVERY: _deliveries,
}
