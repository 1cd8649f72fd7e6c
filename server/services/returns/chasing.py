"""Chasing parts that never came back: flag late lines, tell who can act, and escalate step by step.

Escalation (`escalate`) follows unconfirmed and overdue lines through the steps of
server/logistics/escalation.py — engineer, dispatchers, customer, write-off — each
once per line: the step reached is stored on the line.
"""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import HolderKind, ReturnStatus, Role
from server.database import begin_write
from server.logistics.escalation import CUSTOMER, DISPATCHER, ENGINEER_REMINDER, WRITE_OFF, ChasingRules, steps_due
from server.models import ReturnLine, Site, User
from server.models.types import utcnow
from server.services.notifications import notices
from server.services.notifications.outbox import queue_webhook
from server.services.errors import NotFound

#: Lines that should have left the site or the van by now.
NOT_PICKED_UP = (ReturnStatus.AWAITING_DISPOSITION, ReturnStatus.AWAITING_PICKUP, ReturnStatus.PICKUP_SCHEDULED,
                 ReturnStatus.WITH_ENGINEER)
#: Lines on their way that should have been received by now.
NOT_RECEIVED = (ReturnStatus.IN_TRANSIT, ReturnStatus.DELIVERED)


def overdue_lines(session: so.Session, now: datetime, pickup_days: int, receive_days: int) -> list[ReturnLine]:
    return session.scalars(
        sa.select(ReturnLine)
        .where(sa.or_(
            sa.and_(ReturnLine.status.in_(NOT_PICKED_UP), ReturnLine.removed_at < now - timedelta(days=pickup_days)),
            sa.and_(ReturnLine.status.in_(NOT_RECEIVED),
                    ReturnLine.status_changed_at < now - timedelta(days=receive_days)),
        ))
        .options(so.joinedload(ReturnLine.part), so.joinedload(ReturnLine.origin_site))
        .order_by(ReturnLine.removed_at)
    ).unique().all()


def _staff(session) -> list[User]:
    return session.scalars(sa.select(User).where(User.role.in_([Role.DISPATCHER, Role.ADMIN]), User.active)).all()


def _alert(session, lines: list[ReturnLine], key: str) -> None:
    """Dispatchers hear of every line; each engineer of the lines they hold."""
    notices.overdue_alert(session, lines, _staff(session), key=f"{key}:staff")
    by_holder: dict[int, list[ReturnLine]] = {}
    for line in lines:
        if line.holder_kind == HolderKind.ENGINEER:
            by_holder.setdefault(line.holder_id, []).append(line)
    for engineer in session.scalars(sa.select(User).where(User.id.in_(list(by_holder)))):
        notices.overdue_alert(session, by_holder[engineer.id], [engineer], key=f"{key}:engineer:{engineer.id}")


def chase_overdue(session: so.Session, pickup_days: int, receive_days: int, now: datetime | None = None) -> int:
    """Flag newly late lines and alert about them. A task: does not commit."""
    now = now or utcnow()
    fresh = [line for line in overdue_lines(session, now, pickup_days, receive_days) if line.overdue_since is None]
    for line in fresh:
        line.overdue_since = line.chased_at = now
    if fresh:
        session.flush()
        _alert(session, fresh, key=f"overdue:{now:%Y-%m-%dT%H:%M}")
    return len(fresh)


def chase_line(session: so.Session, line_id: uuid.UUID, by: User) -> None:
    """A dispatcher's "notify again" for one line."""
    begin_write(session)
    line = session.get(ReturnLine, line_id)
    if line is None:
        raise NotFound(f"No return line {line_id}.")
    now = utcnow()
    line.chased_at = now
    line.overdue_since = line.overdue_since or now
    session.flush()
    _alert(session, [line], key=f"chase:{line.id}:{now.isoformat()}")
    session.commit()


def escalate(session: so.Session, rules: ChasingRules, now: datetime | None = None) -> dict[str, int]:
    """Take every escalation step now due on unconfirmed and overdue lines; how many lines took each step.

    A task: does not commit. A step already taken on a line is never taken again.
    """
    now = now or utcnow()
    lines = session.scalars(
        sa.select(ReturnLine)
        .where(sa.or_(ReturnLine.status == ReturnStatus.UNCONFIRMED,
                      sa.and_(ReturnLine.overdue_since.is_not(None),
                              ReturnLine.status.in_(NOT_PICKED_UP + NOT_RECEIVED))))
        .options(so.joinedload(ReturnLine.part), so.joinedload(ReturnLine.origin_site).joinedload(Site.customer))
        .order_by(ReturnLine.removed_at, ReturnLine.id)
    ).unique().all()
    taken: dict[str, list[ReturnLine]] = {}
    for line in lines:
        for step in steps_due(rules, line.escalation_step, (now - line.removed_at).total_seconds() / 86400):
            taken.setdefault(step, []).append(line)
            line.escalation_step, line.escalated_at = step, now
    if not taken:
        return {}
    session.flush()
    key = f"escalation:{now:%Y-%m-%dT%H:%M}"
    if ENGINEER_REMINDER in taken:
        _alert_holders(session, taken[ENGINEER_REMINDER], key=f"{key}:{ENGINEER_REMINDER}")
    if DISPATCHER in taken:
        notices.overdue_alert(session, taken[DISPATCHER], _staff(session), key=f"{key}:{DISPATCHER}")
    for line in taken.get(CUSTOMER, []):
        _ask_customer(session, line, key=f"{key}:{CUSTOMER}:{line.id}")
    for line in taken.get(WRITE_OFF, []):
        line.written_off_value = line.expected_value if line.expected_value is not None else line.part.residual_value
        line.move_to(ReturnStatus.WRITTEN_OFF, now)
    return {step: len(stepped) for step, stepped in taken.items()}


def _alert_holders(session, lines: list[ReturnLine], key: str) -> None:
    by_holder: dict[int, list[ReturnLine]] = {}
    for line in lines:
        if line.holder_kind == HolderKind.ENGINEER:
            by_holder.setdefault(line.holder_id, []).append(line)
    for engineer in session.scalars(sa.select(User).where(User.id.in_(list(by_holder)))):
        notices.overdue_alert(session, by_holder[engineer.id], [engineer], key=f"{key}:{engineer.id}")


def _ask_customer(session, line: ReturnLine, key: str) -> None:
    """The customer's system hears that a part expected back from their site has not come back."""
    queue_webhook(session, line.origin_site.customer, "return_chased", {
        "return_line_id": str(line.id), "part_number": line.part.part_number, "serial": line.serial,
        "status": str(line.status), "site_id": line.origin_site_id, "since": line.removed_at.isoformat(),
    }, idempotency_key=key)
