"""Overdue lines with "notify again", and the overview's figures as numbers and charts."""

import json
import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from common.enums import HolderKind
from server.models import Notification, ReturnLine


def test_overdue_lines_show_who_holds_them_oldest_first(dispatcher, make_lines, yard):
    now = datetime.now(timezone.utc)
    make_lines(1, overdue_since=now - timedelta(days=2), serial="AR00000777")
    make_lines(1, overdue_since=now - timedelta(days=9), serial="AR00000999",
               holder_kind=HolderKind.SITE, holder_id=yard.north.id)
    make_lines(1, serial="AR00000555")
    page = dispatcher.get("/console/overdue").get_data(as_text=True)
    assert page.index("AR00000999") < page.index("AR00000777") and "AR00000555" not in page
    assert "North Office" in page and "Amy" in page and "Never" in page


def test_notify_again_chases_the_line_and_queues_an_alert(dispatcher, make_lines, session, yard):
    yard.dana.email, yard.amy.email = "dana@fieldloop.example", "amy@fieldloop.example"
    session.commit()
    (line,) = make_lines(1, overdue_since=datetime.now(timezone.utc) - timedelta(days=4))
    r = dispatcher.post(f"/console/overdue/{line.id}/chase")
    assert r.status_code == 303
    assert "Reminder sent again" in dispatcher.get(r.headers["Location"]).get_data(as_text=True)
    session.rollback()
    assert session.get(ReturnLine, line.id).chased_at is not None
    assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) >= 1


def test_nothing_overdue_says_so(dispatcher):
    assert "Nothing is overdue." in dispatcher.get("/console/overdue").get_data(as_text=True)


def chart_data(page: str) -> list[dict]:
    return json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S).group(1))


def test_the_overview_has_the_figures_and_a_chart_for_each(dispatcher, make_lines):
    make_lines(4)
    page = dispatcher.get("/console/?days=7").get_data(as_text=True)
    for title in ("Recovery rate", "Value recovered", "Cycle time", "Open lines", "Courier km", "CO₂"):
        assert title in page
    charts = chart_data(page)
    assert [c["id"] for c in charts] == ["recovery", "value", "cycle", "age", "km", "co2", "hierarchy", "co2e",
                                         "circularity", "bench"]
    assert all(len(c["labels"]) == 7 for c in charts)
    assert sum(sum(ds["data"]) for ds in charts[3]["datasets"]) > 0  # open lines by age, stacked per day
    assert "vendor/chart.js/chart.umd.min.js" in page


def test_the_overview_period_is_one_of_the_offered_ones(dispatcher):
    assert len(chart_data(dispatcher.get("/console/?days=12345").get_data(as_text=True))[0]["labels"]) == 30
