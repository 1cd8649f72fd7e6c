"""Records another system pushes — customers, sites, parts, installed items, jobs, contracts — applied
as creates or updates of Fieldloop's rows, each in its own savepoint: applied whole, or rejected
with field errors while the rest of the batch goes on.

A record is found by its source and external id; failing that, a row Fieldloop made itself with
the same natural key (a customer's name, a part number, …) is adopted, so an earlier CSV import
does not become a duplicate. What the source owns and how records compare is decided in
server/logistics/source_records.py. Jobs change through server/services/work/jobs.py, as a
dispatcher's would, so phones see a cancel or a reassignment on their next pull.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import HolderKind, ItemStatus, JobStatus, Role
from common.representable import value_problems
from common.validation import serial_fits
from server.database import begin_write
from server.logistics import source_records as rules
from server.logistics.plan_days import DEFAULT_HOURS, parse_access_hours
from server.logistics.states import IllegalTransition
from server.models import Contract, Customer, Job, PartNumber, Replacement, SerialisedItem, Site, User
from server.services.errors import Invalid
from server.services.work import jobs

MAX_RECORDS = rules.MAX_RECORDS
#: The record's own field for each model attribute that is not stored under the same name.
SOURCE_NAMES = {"site_id": "site_external_id", "customer_id": "customer_external_id",
                "engineer_id": "engineer_username", "part_number_id": "part_number", "access_hours": "hours",
                "site_ids": "site_external_ids"}


@dataclass
class _Applied:
    row: object
    result: str  # created, updated or unchanged
    kept: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Context:
    session: so.Session
    source: str
    by: User | None


def apply_records(session: so.Session, source: str, records: list, by: User) -> list[dict]:
    """Apply a batch of a source's records; owns the transaction.

    Kinds are applied in dependency order (customers before the sites that name them, …), so
    one batch may hold a site and its customer in any order; the results are in request order.
    """
    if len(records) > MAX_RECORDS:
        raise Invalid(f"At most {MAX_RECORDS} records a request.",
                      {"records": [f"At most {MAX_RECORDS} records a request; this one has {len(records)}."]})
    begin_write(session)
    rank = {kind: i for i, kind in enumerate(rules.KINDS)}
    order = sorted(range(len(records)), key=lambda i: rank.get(_kind_of(records[i]), len(rank)))
    results: list[dict] = [{}] * len(records)
    for i in order:
        results[i] = {"index": i, **apply_record(session, source, records[i], by)}
    session.commit()
    return results


def _kind_of(record) -> str | None:
    kind = record.get("kind") if isinstance(record, dict) else None
    return kind if isinstance(kind, str) else None


def apply_record(session: so.Session, source: str, record, by: User | None) -> dict:
    """Apply one record in a savepoint of the caller's transaction: {kind, external_id, result, id, errors, kept}."""
    kind, external_id = _kind_of(record), record.get("external_id") if isinstance(record, dict) else None
    answer = {"kind": record.get("kind") if isinstance(record, dict) else None, "external_id": external_id,
              "result": "rejected", "id": None, "errors": {}, "kept": {}}
    errors = _envelope_errors(record, kind, external_id) or _unstorable(record)
    data = None
    if not errors:
        data, errors = rules.read_data(kind, record.get("data"))
    if errors:
        return {**answer, "errors": errors}
    savepoint = session.begin_nested()
    try:
        applied = _APPLY[kind](_Context(session, source, by), external_id, data)
        session.flush()
    except Invalid as err:
        savepoint.rollback()
        return {**answer, "errors": _source_names(err.errors or {"_record": [err.message]})}
    except IllegalTransition as err:
        savepoint.rollback()
        return {**answer, "errors": {"status": [str(err)]}}
    except sa.exc.IntegrityError:
        # Another request wrote the same record (or value) between our read and our write.
        savepoint.rollback()
        return {**answer, "errors": {"external_id": ["Written by another request at the same moment: send it again."]}}
    savepoint.commit()
    return {**answer, "result": applied.result, "id": applied.row.id, "kept": applied.kept}


def _envelope_errors(record, kind, external_id) -> dict:
    if not isinstance(record, dict):
        return {"_record": ["A record must be an object with kind, external_id and data."]}
    errors = {}
    if kind not in rules.KINDS:
        errors["kind"] = [f"Choose one of {', '.join(rules.KINDS)}."]
    if not isinstance(external_id, str) or not 1 <= len(external_id) <= 80:
        errors["external_id"] = ["Required: the record's id in your system, 1 to 80 characters."]
    unknown = set(record) - {"kind", "external_id", "data"}
    if unknown:
        errors["_record"] = [f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(sorted(map(str, unknown)))}."]
    return errors


def _unstorable(record: dict) -> dict:
    """Text or numbers the database cannot hold (NUL, lone surrogates, infinities), by the record's field."""
    problems = value_problems(record)
    in_data = problems.pop("data", {})
    return {**problems, **(in_data if isinstance(in_data, dict) else {"data": in_data})}


def _source_names(errors: dict) -> dict:
    return {SOURCE_NAMES.get(name, name): messages for name, messages in errors.items()}


# --- finding rows ------------------------------------------------------------------

def _by_external_id(ctx: _Context, model, external_id: str):
    return ctx.session.scalar(sa.select(model).where(model.source == ctx.source, model.external_id == external_id))


def _referenced(ctx: _Context, model, external_id: str, name: str, what: str):
    """The row a record refers to by its external id; a field error if the source has not sent it (yet)."""
    row = _by_external_id(ctx, model, external_id)
    if row is None:
        raise Invalid(f"Unknown {what}.", {name: [f"No {what} {external_id!r} from {ctx.source} yet: "
                                                  f"send it first, then this record again."]})
    return row


def _upsert(ctx: _Context, model, external_id: str, natural: list, natural_field: str, wanted: dict,
            create: Callable[[], object], update: Callable[[object, dict], None] | None = None,
            kept: Callable[[object, dict], dict] | None = None, natural_unique: bool = True) -> _Applied:
    """Find the row (by external id, else an unsourced one by its natural key), then create, update or leave it.

    `natural_unique`: the natural key is unique in the table, so a record may not take another row's.
    """
    row = _by_external_id(ctx, model, external_id)
    holder = ctx.session.scalar(sa.select(model).where(*natural)) if natural else None
    if holder is not None and holder is not row and (holder.source is not None or (row is not None and natural_unique)):
        if holder.source is None:
            raise Invalid("Another row has that.", {natural_field: ["Already taken by a record made in Fieldloop."]})
        raise Invalid("Another record has that.", {natural_field: [
            f"Already {holder.source}'s record {holder.external_id!r}: one Fieldloop record per value."]})
    if row is None and holder is not None:
        row = holder  # adopted: a row made in Fieldloop (console, CSV) before the source sent it
    if row is None:
        row = create()
        row.source, row.external_id = ctx.source, external_id
        ctx.session.add(row)
        return _Applied(row, "created")
    current = {name: _current(row, name) for name in wanted}
    changes = rules.differences(current, wanted)
    held = kept(row, changes) if kept else {}
    for name in held:
        changes.pop(name)
    adopted = row.source is None
    if not changes and not adopted:
        return _Applied(row, "unchanged", _source_names(held))
    row.source, row.external_id = ctx.source, external_id
    if update is not None:
        update(row, changes)
    else:
        for name, value in changes.items():
            setattr(row, name, value)
    return _Applied(row, "updated", _source_names(held))


def _current(row, name: str):
    if name == "site_ids":
        return {site.id for site in row.sites}
    return getattr(row, name)


# --- the kinds -----------------------------------------------------------------------

def _customer(ctx: _Context, external_id: str, data: dict) -> _Applied:
    return _upsert(ctx, Customer, external_id, [Customer.name == data["name"]], "name", data,
                   lambda: Customer(**data))


def _part(ctx: _Context, external_id: str, data: dict) -> _Applied:
    return _upsert(ctx, PartNumber, external_id, [PartNumber.part_number == data["part_number"]], "part_number",
                   data, lambda: PartNumber(**data))


def _site(ctx: _Context, external_id: str, data: dict) -> _Applied:
    customer = _referenced(ctx, Customer, data.pop("customer_external_id"), "customer_external_id", "customer")
    try:
        hours = parse_access_hours(data.pop("hours") or DEFAULT_HOURS)
    except ValueError as bad:
        raise Invalid("Cannot read the hours.", {"hours": [str(bad)]}) from None
    wanted = {**data, "customer_id": customer.id, "access_hours": hours}
    natural = [Site.customer_id == customer.id, Site.name == data["name"], Site.source.is_(None)]
    return _upsert(ctx, Site, external_id, natural, "name", wanted, lambda: Site(**wanted), natural_unique=False)


def _item(ctx: _Context, external_id: str, data: dict) -> _Applied:
    part = ctx.session.scalar(sa.select(PartNumber).where(PartNumber.part_number == data["part_number"]))
    if part is None:
        raise Invalid("Unknown part.", {"part_number": [f"Unknown part number {data['part_number']!r}: "
                                                        f"send the part first, then this record again."]})
    if not part.serialised:
        raise Invalid("Not serialised.", {"part_number": [f"{part.part_number} is not serialised: no installed base."]})
    if not serial_fits(part.serial_pattern, data["serial"]):
        raise Invalid("Bad serial.", {"serial": [f"{data['serial']!r} is not a valid serial for {part.part_number}."]})
    site = _referenced(ctx, Site, data["site_external_id"], "site_external_id", "site")
    wanted = {"part_number_id": part.id, "serial": data["serial"], "site_id": site.id,
              "installed_on": data["installed_on"]}
    natural = [SerialisedItem.part_number_id == part.id, SerialisedItem.serial == data["serial"]]

    def create():
        return SerialisedItem(**wanted, status=ItemStatus.INSTALLED, location_kind=HolderKind.SITE,
                              location_id=site.id)

    def update(item, changes):
        for name, value in changes.items():
            setattr(item, name, value)
        item.status, item.location_kind, item.location_id = ItemStatus.INSTALLED, HolderKind.SITE, item.site_id

    return _upsert(ctx, SerialisedItem, external_id, natural, "serial", wanted, create, update,
                   kept=lambda item, changes: _item_facts(ctx.session, item, changes))


def _item_facts(session: so.Session, item: SerialisedItem, changes: dict) -> dict:
    """Where an item is, when Fieldloop logged it moving: removed, in custody, or installed by a swap."""
    if item.status != ItemStatus.INSTALLED:
        reason = f"Fieldloop logged this item {item.status.value}: its record stands."
    elif session.scalar(sa.select(Replacement.install_event_id).where(Replacement.serialised_item_id == item.id)):
        reason = "Installed by a swap logged in Fieldloop: its record stands."
    else:
        return {}
    return {name: reason for name in ("site_id", "installed_on") if name in changes}


def _contract(ctx: _Context, external_id: str, data: dict) -> _Applied:
    customer = _referenced(ctx, Customer, data.pop("customer_external_id"), "customer_external_id", "customer")
    sites = []
    for ref in dict.fromkeys(data.pop("site_external_ids")):
        site = _referenced(ctx, Site, ref, "site_external_ids", "site")
        if site.customer_id != customer.id:
            raise Invalid("A site of another customer.", {"site_external_ids": [
                f"Site {ref!r} belongs to another customer."]})
        sites.append(site)
    wanted = {**data, "customer_id": customer.id, "site_ids": {s.id for s in sites}}

    def create():
        return Contract(**data, customer_id=customer.id, sites=sites)

    def update(contract, changes):
        for name, value in changes.items():
            if name != "site_ids":
                setattr(contract, name, value)
        contract.sites = sites

    return _upsert(ctx, Contract, external_id, [], "number", wanted, create, update)


def _job(ctx: _Context, external_id: str, data: dict) -> _Applied:
    site = _referenced(ctx, Site, data["site_external_id"], "site_external_id", "site")
    engineer_id = None
    if data["engineer_username"] is not None:
        engineer_id = ctx.session.scalar(sa.select(User.id).where(
            User.username == data["engineer_username"], User.role == Role.ENGINEER, User.active.is_(True)))
        if engineer_id is None:
            raise Invalid("No such engineer.", {"engineer_username": [
                f"No active engineer {data['engineer_username']!r} in Fieldloop."]})
    status = JobStatus(data["status"])
    wanted = {"site_id": site.id, "reference": data["reference"], "summary": data["summary"],
              "window_start": data["window_start"], "window_end": data["window_end"], "engineer_id": engineer_id,
              "status": status, "expected_parts": rules.expected_parts(data["expected_parts"])}

    def create():
        draft = jobs.JobDraft(site_id=site.id, summary=data["summary"], window_start=data["window_start"],
                              window_end=data["window_end"], engineer_id=engineer_id,
                              expected_parts=wanted["expected_parts"], reference=data["reference"],
                              source=ctx.source, external_id=external_id)
        job = jobs.add_job(ctx.session, draft, ctx.by)
        if status == JobStatus.CANCELLED:
            jobs.change_job(ctx.session, job, {"status": status}, ctx.by, as_source=ctx.source)
        return job

    def update(job, changes):
        jobs.change_job(ctx.session, job, changes, ctx.by, as_source=ctx.source)

    return _upsert(ctx, Job, external_id, [Job.reference == data["reference"]], "reference", wanted,
                   create, update, kept=_job_facts)


def _job_facts(job: Job, changes: dict) -> dict:
    """A job completed in Fieldloop is done: what the source says of it afterwards is kept out."""
    if job.status != JobStatus.COMPLETED:
        return {}
    reason = f"Completed in Fieldloop on {job.completed_at:%Y-%m-%d}: the job stands as done." if job.completed_at \
        else "Completed in Fieldloop: the job stands as done."
    return {name: reason for name in changes}


_APPLY = {"customer": _customer, "part": _part, "site": _site, "item": _item, "contract": _contract, "job": _job}
