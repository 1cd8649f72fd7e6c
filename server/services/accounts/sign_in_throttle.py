"""Slowing down password guessing without letting anyone lock out a real user.

Failures are counted per (case-folded username, client address) in the
database, so every app process sees the same count. After
`free_failures` failures the pair must wait before its next attempt, twice as
long after each further failure, up to `max_delay_s`. Nothing is counted per
username alone or per address alone: guesses from elsewhere never slow down
the user's own address, and the people behind one shared address never slow
each other down. See docs/security.md, "Sign-in throttling".
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.models import LoginFailure
from server.models.accounts import username_key
from server.services.errors import TooManyAttempts

#: The address column's length; longer (IPv6 zone) addresses are cut to it.
ADDRESS_LENGTH = 64


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3
    first_delay_s: float = 1.0
    max_delay_s: float = 15 * 60
    #: A failure older than this no longer counts.
    failure_window_s: int = 24 * 3600

    def delay_s(self, failures: int) -> float:
        """How long the pair waits after its latest failure, having failed `failures` times."""
        if failures < self.free_failures:
            return 0.0
        return min(self.max_delay_s, self.first_delay_s * 2 ** (failures - self.free_failures))


def _pair(username: str, remote_addr: str):
    return sa.and_(LoginFailure.username == username_key(username)[:80],
                   LoginFailure.remote_addr == remote_addr[:ADDRESS_LENGTH])


def refuse_while_throttled(session: so.Session, policy: ThrottlePolicy, username: str, remote_addr: str,
                           now: datetime) -> None:
    """Raise TooManyAttempts, with Retry-After, while this pair must still wait. Joins the caller's transaction.

    The pair's attempts take turns until the caller's transaction ends (SQLite's write transaction
    already serialises them; PostgreSQL takes a lock of the pair), so guesses sent all at once are
    counted one after the other and cannot slip through together.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(f"sign-in:{username_key(username)}:{remote_addr}", 0))))
    since = now - timedelta(seconds=policy.failure_window_s)
    failures, latest = session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailure.at))
        .where(_pair(username, remote_addr), LoginFailure.at >= since)
    ).one()
    if not failures:
        return
    wait_s = (latest + timedelta(seconds=policy.delay_s(failures)) - now).total_seconds()
    if wait_s > 0:
        retry_after = max(1, round(wait_s))
        when = f"{retry_after} seconds" if retry_after < 120 else f"{retry_after // 60 + 1} minutes"
        raise TooManyAttempts(
            f"Too many failed sign-ins for this username from this address. Try again in {when}.",
            headers={"Retry-After": str(retry_after)},
        )


def record_failure(session: so.Session, policy: ThrottlePolicy, username: str, remote_addr: str,
                   now: datetime) -> None:
    """Count a failed attempt, and forget failures too old to count. Joins the caller's transaction."""
    session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=policy.failure_window_s)))
    session.add(LoginFailure(username=username_key(username)[:80], remote_addr=remote_addr[:ADDRESS_LENGTH], at=now))


def forget_failures(session: so.Session, username: str, remote_addr: str) -> None:
    """A correct password clears this pair's count. Joins the caller's transaction."""
    session.execute(sa.delete(LoginFailure).where(_pair(username, remote_addr)))
