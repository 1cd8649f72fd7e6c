"""The records phones receive, built in bulk from the database (schemas: common/schemas.py)."""

import uuid
from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import ItemStatus, SyncEntity
from common.schemas import RECORD_SCHEMAS
from server.models import Facility, Job, PartNumber, ReturnLine, SerialisedItem, Site

_DUMPERS = {entity: schema() for entity, schema in RECORD_SCHEMAS.items()}


def load_records(session: so.Session, entity: SyncEntity, keys: list[str]) -> dict[str, dict]:
    """Records by key; a key with no record is absent from the result."""
    if not keys:
        return {}
    loader = _LOADERS[entity]
    return {str(k): _DUMPERS[entity].dump(v) for k, v in loader(session, keys).items()}


def _facilities(session, keys):
    rows = session.scalars(sa.select(Facility).where(Facility.id.in_([int(k) for k in keys])))
    return {f.id: f for f in rows}


def _parts(session, keys):
    rows = session.scalars(sa.select(PartNumber).where(PartNumber.id.in_([int(k) for k in keys])))
    return {p.id: p for p in rows}


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
        sa.select(ReturnLine, PartNumber.part_number)
        .join(PartNumber, ReturnLine.part_number_id == PartNumber.id)
        .where(ReturnLine.id.in_([uuid.UUID(k) for k in keys]))
    )
    out = {}
    for line, part_number in rows:
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
        }
    return out


_LOADERS = {
    SyncEntity.FACILITY: _facilities,
    SyncEntity.PART: _parts,
    SyncEntity.SITE: _sites,
    SyncEntity.JOB: _jobs,
    SyncEntity.RETURN_LINE: _return_lines,
}
