"""After ``seed-demo`` the product shows weeks of true history ending today, and nothing that has not happened yet."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from common.enums import HolderKind, PickupStatus, ReturnStatus
from server.models import Job, Pickup, Reconciliation, ReturnLine
from server.models.types import utcnow
from server.services.returns.chasing import overdue_lines
from server.services.returns.figures import compute_figures
from timeline import dated_after
from page_width import fits

HISTORY_DAYS = 15


def count(session, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ReturnLine).where(*where))


@pytest.mark.slow
def test_after_seed_demo_every_page_has_a_true_history_and_nothing_has_happened_in_the_future(
        app, session, laptop, sign_in_as):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    session.rollback()
    now = utcnow()

    assert dated_after(session, now) == []
    first_removal = session.scalar(sa.select(sa.func.min(ReturnLine.removed_at)))
    assert first_removal < now - timedelta(days=HISTORY_DAYS)  # three weeks of weekdays: 19 days or more

    figures = compute_figures(session, since=now.date() - timedelta(days=29), until=now.date())
    assert figures["lines_removed"] > 50 and figures["lines_received"] > 20
    assert figures["value_recovered"] > 0 and figures["recovery_rate"] > 0
    assert figures["courier_km_planned"] > 0 and figures["cycle_time_median_days"] > 0

    assert overdue_lines(session, now, app.config["OVERDUE_PICKUP_DAYS"], app.config["OVERDUE_RECEIVE_DAYS"])
    lost = session.scalars(sa.select(ReturnLine).where(  # the first line carried in the history: never handed over
        ReturnLine.holder_kind == HolderKind.ENGINEER,
        ReturnLine.status.in_([ReturnStatus.WITH_ENGINEER, ReturnStatus.AWAITING_DISPOSITION]))
        .order_by(ReturnLine.removed_at)).first()
    assert lost.removed_at < now - timedelta(days=HISTORY_DAYS) and lost.escalation_step == "customer"
    agreed, latest = session.scalars(sa.select(Reconciliation).order_by(Reconciliation.as_of)).all()
    assert agreed.agreed_at is not None and latest.agreed_at is None and latest.source == "erp"
    assert sorted(str(line.outcome) for line in latest.lines) == ["explained", "unexplained"]
    assert count(session, ReturnLine.status == ReturnStatus.PROCESSED) > 0
    assert count(session, ReturnLine.status.in_([ReturnStatus.AWAITING_PICKUP, ReturnStatus.WITH_ENGINEER])) > 0
    assert count(session, ReturnLine.status == ReturnStatus.PICKUP_SCHEDULED) > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Pickup)
                          .where(Pickup.customer_answer.is_not(None))) > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Pickup)
                          .where(Pickup.status == PickupStatus.SCHEDULED, Pickup.planned_date > now.date())) > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Job)
                          .where(Job.completed_at.is_(None), Job.window_start > now)) > 0
    ahead = session.scalars(sa.select(Job).where(Job.window_start > now)).all()
    assert not [job.reference for job in ahead if job.completed_at is not None]

    sign_in_as(laptop, "disp.dana", "fieldloop-demo")
    laptop.goto("/console/")
    tiles = laptop.locator(".tiles .tile strong").all_inner_texts()
    assert len(tiles) == 9
    assert [t for t in tiles if not re.search(r"[1-9]", t)] == [], tiles


#: The console pages a new user opens first, each with what it must show after seed-demo.
DEMO_PAGES = [
    ("overview", "/console/", ".tiles .tile"),
    ("returns", "/console/returns", "table tbody tr"),
    ("overdue", "/console/overdue", "table tbody tr"),
    ("jobs", "/console/jobs", "table tbody tr"),
    ("users", "/console/users", "table tbody tr"),
    ("stock", "/console/stock", "#balances tbody tr"),
    ("bench", "/console/bench", "table tbody tr"),
    ("reconcile", "/console/stock/reconcile", "#reconciliations tbody tr"),
]


@pytest.mark.slow
def test_the_demo_pages_a_new_user_opens_show_true_data_at_laptop_and_phone_width(
        app, session, laptop, phone_screen, sign_in_as, shoot):
    """Every page of the tour has rows after seed-demo, fits the screen, and gives docs/ its screenshots."""
    from server.services.notifications.notices import pickup_link

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    session.rollback()
    planned = session.scalars(sa.select(Pickup).where(Pickup.status == PickupStatus.SCHEDULED)
                              .order_by(Pickup.planned_date)).first()
    line = session.scalars(sa.select(ReturnLine).where(ReturnLine.status == ReturnStatus.PROCESSED)).first()
    erp_file = session.scalars(sa.select(Reconciliation).order_by(Reconciliation.as_of.desc())).first()
    pages = DEMO_PAGES + [("routes", f"/console/routes?day={planned.planned_date}", ".route"),
                          ("return-detail", f"/console/returns/{line.id}", ".timeline li"),
                          ("reconciliation", f"/console/stock/reconcile/{erp_file.id}", "table tbody tr")]
    for page, width in ((laptop, ""), (phone_screen, "-phone")):
        sign_in_as(page, "disp.dana", "fieldloop-demo")
        for name, path, rows in pages:
            response = page.goto(path)
            assert response.status == 200, path
            assert page.locator(rows).count() > 0, (path, rows)
            assert fits(page), (path, width)
            shoot(page, f"{name}{width}")
    admin = laptop.context.new_page()
    sign_in_as(admin, "admin", "fieldloop-demo")
    admin.goto("/console/integrations")
    assert admin.locator(".integration h2").all_inner_texts() == ["Company ERP"]
    assert admin.locator(".integration .keys tbody tr").count() == 1
    shoot(admin, "integrations")
    customer = phone_screen.context.new_page()
    customer.goto(pickup_link(planned).removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert customer.get_by_text(planned.site.name).count() > 0
    shoot(customer, "customer-pickup-phone")
