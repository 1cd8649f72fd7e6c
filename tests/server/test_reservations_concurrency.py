"""Two dispatchers assigning jobs at the same moment never set the same unit aside twice."""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import ReservationStatus, StockGrade, StockLocationKind
from phones import Phone
from server.models import Reservation
from stock_fixtures import supply
from test_sync_concurrency import run_together


def test_two_jobs_created_at_once_for_the_last_unit_hold_it_once(live_server, world, session):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    dispatchers = [Phone(base_url=live_server.url) for _ in range(2)]
    for phone in dispatchers:
        assert phone.sign_in("dana").status == 200
    start = make.now() + timedelta(days=3)
    body = {"site_id": world.north.id, "engineer_id": world.amy.id, "summary": "Swap the fuser",
            "window_start": start.isoformat(), "window_end": (start + timedelta(hours=2)).isoformat(),
            "expected_parts": [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]}
    answers = run_together(*[lambda p=p: p.request("POST", "/api/v1/jobs", json=body) for p in dispatchers])
    assert [a.status for a in answers] == [201, 201]
    session.rollback()
    statuses = session.scalars(sa.select(Reservation.status).where(
        Reservation.job_id.in_([a.json["id"] for a in answers]))).all()
    assert sorted(statuses) == [ReservationStatus.HELD, ReservationStatus.SHORT]
