"""What each engineer's phone may see: the one place that defines a sync scope.

Jobs assigned to the engineer (not cancelled, not archived), the sites of
those jobs, the return lines the engineer holds or left at a site for a
courier who has not collected them yet, the stock in the engineer's van, the
replacement deliveries on their way to the engineer (to their depot or to one
of their sites) until they are delivered or cancelled, and everything global
(catalogue, facilities).
"""

import uuid
from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import DeliveryStatus, HolderKind, JobStatus, ReturnStatus, SyncEntity
from server.logistics.states import CLOSED_RETURN_STATUSES
from server.models import Delivery, Facility, Job, PartNumber, ReturnLine, Site

GLOBAL_ENTITIES = frozenset({SyncEntity.FACILITY, SyncEntity.PART})

#: A line at its site in these statuses is still waiting for the courier: the engineer who left it there
#: keeps it on the phone, with its "leave at the site" instruction, until the courier has it.
WAITING_AT_SITE = frozenset({ReturnStatus.AWAITING_DISPOSITION, ReturnStatus.AWAITING_PICKUP,
                             ReturnStatus.PICKUP_SCHEDULED})


def job_in_scope(user_id: int):
    return sa.and_(Job.engineer_id == user_id, Job.status != JobStatus.CANCELLED, Job.archived_at.is_(None))


def line_in_scope(user_id: int):
    return sa.or_(
        sa.and_(
            ReturnLine.holder_kind == HolderKind.ENGINEER,
            ReturnLine.holder_id == user_id,
            ReturnLine.status.not_in(CLOSED_RETURN_STATUSES),
        ),
        sa.and_(
            ReturnLine.holder_kind == HolderKind.SITE,
            ReturnLine.removed_by_id == user_id,
            ReturnLine.status.in_(WAITING_AT_SITE),
        ),
    )


def line_scope_user(holder_kind, holder_id, status, removed_by_id) -> int | None:
    """The engineer whose phone has a return line in these states (what `line_in_scope` selects), or None."""
    if holder_kind == HolderKind.ENGINEER and status not in CLOSED_RETURN_STATUSES:
        return holder_id
    if holder_kind == HolderKind.SITE and status in WAITING_AT_SITE:
        return removed_by_id
    return None


#: A delivery is on the engineer's phone until it is delivered (or collected from the depot) or cancelled.
DELIVERY_ON_THE_WAY = frozenset({DeliveryStatus.PLANNED, DeliveryStatus.DISPATCHED, DeliveryStatus.AT_DEPOT})


def delivery_in_scope(user_id: int):
    return sa.and_(Delivery.engineer_id == user_id, Delivery.status.in_(DELIVERY_ON_THE_WAY))


def delivery_scope_user(engineer_id, status) -> int | None:
    """The engineer whose phone has a delivery in this state (what `delivery_in_scope` selects), or None."""
    return engineer_id if status in DELIVERY_ON_THE_WAY else None


def site_in_scope(user_id: int):
    return Site.id.in_(sa.select(Job.site_id).where(job_in_scope(user_id)))


def _key_column(entity: SyncEntity):
    return {
        SyncEntity.FACILITY: Facility.id,
        SyncEntity.PART: PartNumber.id,
        SyncEntity.SITE: Site.id,
        SyncEntity.JOB: Job.id,
        SyncEntity.RETURN_LINE: ReturnLine.id,
        SyncEntity.DELIVERY: Delivery.id,
    }[entity]


def _scope_clause(entity: SyncEntity, user_id: int):
    if entity == SyncEntity.SITE:
        return site_in_scope(user_id)
    if entity == SyncEntity.JOB:
        return job_in_scope(user_id)
    if entity == SyncEntity.RETURN_LINE:
        return line_in_scope(user_id)
    if entity == SyncEntity.DELIVERY:
        return delivery_in_scope(user_id)
    return sa.true()


def keys_in_scope(session: so.Session, user_id: int, entity: SyncEntity, keys: list[str]) -> set[str]:
    """The subset of these record keys that the engineer may see now."""
    if not keys:
        return set()
    if entity == SyncEntity.VAN_STOCK:
        return set(keys)  # keys of the engineer's own van: the log rows are scoped to them
    column = _key_column(entity)
    typed = [_typed_key(entity, k) for k in keys]
    rows = session.scalars(sa.select(column).where(column.in_(typed), _scope_clause(entity, user_id)))
    return {str(k) for k in rows}


def snapshot_keys(session: so.Session, user_id: int, entity: SyncEntity, after: str | None, limit: int) -> list[str]:
    """The next keys of a snapshot walk, in key order."""
    column = _key_column(entity)
    query = sa.select(column).where(_scope_clause(entity, user_id)).order_by(column).limit(limit)
    if after is not None:
        query = query.where(column > _typed_key(entity, after))
    return [str(k) for k in session.scalars(query)]


def _typed_key(entity: SyncEntity, key: str):
    return uuid.UUID(key) if entity == SyncEntity.RETURN_LINE else int(key)


def engineers_of_sites(session: so.Session, site_ids) -> dict[int, set[int]]:
    """For each site, the engineers who have it in scope through a job."""
    result: dict[int, set[int]] = defaultdict(set)
    site_ids = list(set(site_ids))
    if not site_ids:
        return result
    rows = session.execute(
        sa.select(Job.site_id, Job.engineer_id).where(
            Job.site_id.in_(site_ids),
            Job.engineer_id.is_not(None),
            Job.status != JobStatus.CANCELLED,
            Job.archived_at.is_(None),
        )
    )
    for site_id, engineer_id in rows:
        result[site_id].add(engineer_id)
    return result
