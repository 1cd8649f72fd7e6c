"""Writes the change log that phones pull, in the transaction of the change itself.

A use case notes what it changed with a `ChangeRecorder`; the recorder works
out whose scope that touches (scope rules: server/services/scope.py) and adds
one log row per record and engineer before the transaction commits.
"""

import sqlalchemy.orm as so

from common.enums import ChangeOp, SyncEntity
from server.models import ChangeLogEntry, Job
from server.services.scope import GLOBAL_ENTITIES, engineers_of_sites


class ChangeRecorder:
    def __init__(self, session: so.Session):
        self.session = session
        self._rows: dict[tuple[SyncEntity, str, int | None], ChangeOp] = {}
        self._sites_touched: set[int] = set()

    def upsert(self, entity: SyncEntity, key, scope_user_id: int | None = None) -> None:
        self._note(entity, key, ChangeOp.UPSERT, scope_user_id)

    def delete(self, entity: SyncEntity, key, scope_user_id: int | None = None) -> None:
        self._note(entity, key, ChangeOp.DELETE, scope_user_id)

    def site_changed(self, site_id: int) -> None:
        """The site record (or its installed base) changed: tell every engineer who has it."""
        self._sites_touched.add(site_id)

    def _note(self, entity: SyncEntity, key, op: ChangeOp, scope_user_id: int | None) -> None:
        if entity in GLOBAL_ENTITIES:
            scope_user_id = None
        elif scope_user_id is None:
            raise ValueError(f"A {entity} change needs the engineer whose scope it is in.")
        # The latest op per record and scope wins; dict order keeps the order of first mention.
        self._rows.pop((entity, str(key), scope_user_id), None)
        self._rows[(entity, str(key), scope_user_id)] = op

    def job_assigned(self, job: Job, previous_engineer_id: int | None) -> None:
        """A job's engineer changed (or it was created, cancelled, archived)."""
        in_scope = job.engineer_id is not None and job.status != "cancelled" and job.archived_at is None
        if previous_engineer_id is not None and (previous_engineer_id != job.engineer_id or not in_scope):
            self.delete(SyncEntity.JOB, job.id, previous_engineer_id)
            self._drop_site_if_out_of_scope(job, previous_engineer_id)
        if in_scope:
            self.upsert(SyncEntity.JOB, job.id, job.engineer_id)
            self.upsert(SyncEntity.SITE, job.site_id, job.engineer_id)

    def _drop_site_if_out_of_scope(self, job: Job, engineer_id: int) -> None:
        self.session.flush()
        if engineer_id not in engineers_of_sites(self.session, [job.site_id]).get(job.site_id, set()):
            self.delete(SyncEntity.SITE, job.site_id, engineer_id)

    def flush(self) -> None:
        """Add the log rows to the session; call once, just before commit."""
        if self._sites_touched:
            for site_id, engineers in engineers_of_sites(self.session, self._sites_touched).items():
                for engineer_id in engineers:
                    self.upsert(SyncEntity.SITE, site_id, engineer_id)
            self._sites_touched.clear()
        self.session.add_all(
            ChangeLogEntry(entity=entity, entity_key=key, op=op, scope_user_id=scope)
            for (entity, key, scope), op in self._rows.items()
        )
        self._rows.clear()
