"""The record views (Flask-Admin) inside the console: its headers, its look, and refusals in words."""

import pytest
import sqlalchemy as sa

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


def catalogue_form(part: PartNumber, **changes) -> dict:
    """The record form as the page fills it in for `part`, with `changes`."""
    values = {name: getattr(part, name) for name in (
        "part_number", "description", "category", "vendor", "new_price", "refurbishment_cost", "refurbishment_yield",
        "residual_value", "weight_kg", "volume_l", "vendor_warranty_days", "refurbishment_hours")}
    return {**{k: str(v) for k, v in values.items()}, "serialised": "y" if part.serialised else "",
            "grade_policy": str(part.grade_policy), **changes}


@pytest.mark.parametrize("weight", ["inf", "nan", "-inf"])
def test_a_part_weight_that_is_not_finite_is_refused_in_the_records(dispatcher, yard, session, weight):
    r = dispatcher.post(f"/console/admin/catalogue/edit/?id={yard.fuser.id}", catalogue_form(yard.fuser, weight_kg=weight))
    assert r.status_code == 200 and "Enter a finite number." in r.get_data(as_text=True)
    session.rollback()
    assert session.get(PartNumber, yard.fuser.id).weight_kg == 2.8


def test_a_recovery_share_above_one_is_refused_in_the_records_and_an_empty_one_kept_empty(dispatcher, yard, session):
    url = f"/console/admin/catalogue/edit/?id={yard.fuser.id}"
    r = dispatcher.post(url, catalogue_form(yard.fuser, material_recovery_share="1.5"))
    assert r.status_code == 200 and "Number must be between 0 and 1." in r.get_data(as_text=True)
    assert dispatcher.post(url, catalogue_form(yard.fuser, embodied_co2e_kg="30")).status_code == 302
    session.rollback()
    fuser = session.get(PartNumber, yard.fuser.id)
    assert (fuser.embodied_co2e_kg, fuser.material_recovery_share) == (30.0, None)


def test_a_new_part_with_its_weight_and_volume_is_created_in_the_records(dispatcher, yard, session):
    form = catalogue_form(yard.fuser, part_number="PRN-TON-1", weight_kg="0.4", volume_l="1.5")
    assert dispatcher.post("/console/admin/catalogue/new/", form).status_code == 302
    session.rollback()
    part = session.scalars(sa.select(PartNumber).where(PartNumber.part_number == "PRN-TON-1")).one()
    assert (part.weight_kg, part.volume_l) == (0.4, 1.5)


def test_a_stock_target_is_set_in_the_records_for_a_facility_and_a_part(dispatcher, yard, session):
    from server.models import StockTarget

    r = dispatcher.post("/console/admin/stock_targets/new/",
                        {"facility": str(yard.refurb.id), "part": str(yard.fuser.id), "quantity": "6"})

    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    session.rollback()
    target = session.scalars(sa.select(StockTarget)).one()
    assert (target.facility_id, target.part_number_id, target.quantity) == (yard.refurb.id, yard.fuser.id, 6)


@pytest.mark.parametrize("path", ["/console/stock/reconcile/{}", "/console/sites/{}"])
@pytest.mark.parametrize("record_id", [0, 2**31, 10**20])
def test_a_record_id_beyond_the_id_columns_is_404_not_a_database_error(dispatcher, yard, path, record_id):
    assert dispatcher.get(path.format(record_id)).status_code == 404
    assert dispatcher.post(f"/console/stock/reconcile/{record_id}/agree").status_code in (400, 404)
