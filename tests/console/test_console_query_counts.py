"""No list page runs a query per row: the statements it runs are the same for 5 rows and for 50."""

from datetime import date, datetime, timedelta, timezone

import pytest

import factories as make
from common.enums import HolderKind, Role
from server.models import Device


def statements_for(dispatcher, count_queries, url: str) -> int:
    dispatcher.get(url)  # warm up: the first request of a test loads things once
    with count_queries() as statements:
        r = dispatcher.get(url)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return len(statements)


def held_by_everyone(make_lines, yard, each: int, **fields):
    """Lines held by an engineer, a facility and a site: one name lookup per kind of holder."""
    make_lines(each, **fields)
    make_lines(each, holder_kind=HolderKind.FACILITY, holder_id=yard.refurb.id, **fields)
    make_lines(each, holder_kind=HolderKind.SITE, holder_id=yard.north.id, **fields)


def test_the_returns_list_does_not_query_per_row(dispatcher, make_lines, count_queries, yard):
    held_by_everyone(make_lines, yard, 2)
    few = statements_for(dispatcher, count_queries, "/console/returns")
    held_by_everyone(make_lines, yard, 15)
    assert statements_for(dispatcher, count_queries, "/console/returns?page=1") <= few


def test_the_overdue_list_does_not_query_per_row(dispatcher, make_lines, count_queries, yard):
    overdue = datetime.now(timezone.utc) - timedelta(days=3)
    held_by_everyone(make_lines, yard, 2, overdue_since=overdue)
    few = statements_for(dispatcher, count_queries, "/console/overdue")
    held_by_everyone(make_lines, yard, 15, overdue_since=overdue)
    assert statements_for(dispatcher, count_queries, "/console/overdue?page=1") <= few


def test_the_jobs_list_does_not_query_per_row(dispatcher, count_queries, yard, session):
    for _ in range(3):
        make.job(session, yard.north, yard.amy, yard.dana)
    few = statements_for(dispatcher, count_queries, "/console/jobs")
    for i in range(45):
        make.job(session, yard.south if i % 2 else yard.north, yard.ben if i % 3 else None, yard.dana)
    assert statements_for(dispatcher, count_queries, "/console/jobs?page=1") == few


def test_the_users_list_does_not_query_per_row(dispatcher, count_queries, yard, session):
    few = statements_for(dispatcher, count_queries, "/console/users")
    for i in range(21):
        user = make.user(session, f"engineer{i:02d}", Role.ENGINEER)
        session.add(Device(device_uid=f"phone-{i}", user_id=user.id, label=f"Phone {i}"))
    session.commit()
    assert statements_for(dispatcher, count_queries, "/console/users") == few


def test_the_routes_page_does_not_query_per_stop(dispatcher, count_queries, make_plan):
    small, large = date(2031, 3, 4), date(2031, 3, 5)
    make_plan(5, small)
    make_plan(50, large)
    assert statements_for(dispatcher, count_queries, f"/console/routes?day={small}") == \
        statements_for(dispatcher, count_queries, f"/console/routes?day={large}")


@pytest.mark.parametrize("url", ["/console/", "/console/data", "/console/admin/catalogue/"])
def test_other_pages_render_for_a_dispatcher(dispatcher, url):
    assert dispatcher.get(url).status_code == 200
