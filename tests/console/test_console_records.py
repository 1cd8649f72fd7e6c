"""The record views (Flask-Admin) inside the console: its headers, its look, and refusals in words."""

import pytest

from server.models import PartNumber

PAGES = ("/console/admin/catalogue/", "/console/admin/sites/", "/console/admin/catalogue/new/")


@pytest.mark.parametrize("url", PAGES)
def test_record_pages_carry_the_consoles_security_headers(dispatcher, yard, url):
    r = dispatcher.get(url)
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"


def test_a_record_page_refused_to_a_dispatcher_carries_the_headers_too(dispatcher):
    r = dispatcher.get("/console/admin/users/")
    assert r.status_code == 403
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_the_consoles_stylesheet_stays_cacheable(dispatcher):
    r = dispatcher.get("/console/static/console.css")
    assert r.status_code == 200 and r.headers.get("Cache-Control") != "no-store"


def test_record_pages_have_the_consoles_navigation(dispatcher, yard):
    page = dispatcher.get("/console/admin/catalogue/").get_data(as_text=True)
    assert 'aria-label="Console"' in page and "console.css" in page
    assert 'href="/console/returns"' in page and "Sign out" in page


def test_deleting_a_part_in_use_says_so_in_words_and_keeps_it(dispatcher, yard, session):
    r = dispatcher.post("/console/admin/catalogue/delete/", {"id": yard.fuser.id})
    assert r.status_code == 302
    page = dispatcher.get(r.headers["Location"]).get_data(as_text=True)
    assert "other records still use this one" in page
    assert "IntegrityError" not in page and "constraint" not in page.lower() and "sql" not in page.lower()
    session.rollback()
    assert session.get(PartNumber, yard.fuser.id) is not None
