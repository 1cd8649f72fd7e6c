"""Chasing parts that never came back: flag late lines and tell who can act."""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import HolderKind, ReturnStatus, Role
from server.database import begin_write
from server.models import ReturnLine, User
from server.models.types import utcnow
from server.services.notifications import notices
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
