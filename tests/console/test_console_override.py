"""The override form offers only destinations able to perform the disposition, says why the others
are missing, and names the facility in its errors."""

import re

import pytest
from playwright.sync_api import expect

from common.enums import Disposition
from server.models import ReturnLine
from page_width import fits


def option(page: str, facility) -> str:
    return re.search(rf'<option[^>]*value="{facility.id}"[^>]*>', page).group(0)


def test_only_facilities_able_to_refurbish_are_offered_for_a_refurbished_line(dispatcher, make_lines, yard):
    (line,) = make_lines(1)
    page = dispatcher.get(f"/console/returns/{line.id}").get_data(as_text=True)
    assert "hidden" not in option(page, yard.refurb)
    assert "hidden" in option(page, yard.recycler) and "hidden" in option(page, yard.depot)
    assert 'data-dispositions="recycle scrap"' in option(page, yard.recycler)
    notes = page.split('id="destination-notes"', 1)[1].split("</div>", 1)[0]
    assert f"Not offered for refurbish: {yard.recycler.name} does not refurbish; {yard.depot.name} does not refurbish" \
        in re.sub(r"\s+", " ", notes)


def test_a_facility_that_cannot_perform_the_disposition_is_named_under_the_destination(
        dispatcher, make_lines, yard, session):
    (line,) = make_lines(1)
    r = dispatcher.post(f"/console/returns/{line.id}", {"disposition": "refurbish", "facility": yard.recycler.id,
                                                        "comment": "Send it to the recycler to refurbish."})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    error = page.split('id="facility-error">', 1)[1].split("<", 1)[0]
    assert error.startswith(f"{yard.recycler.name} does not refurbish")
    assert f"Facility {yard.recycler.id}" not in page and 'class="form-error"' not in page
    session.rollback()
    assert session.get(ReturnLine, line.id).override_comment is None


@pytest.mark.parametrize("screen", ["laptop", "phone_screen"])
def test_choosing_another_disposition_offers_its_facilities_and_a_long_comment_wraps(
        request, screen, make_lines, yard, session, sign_in_as):
    page = request.getfixturevalue(screen)
    (line,) = make_lines(1)
    sign_in_as(page, "dana")
    page.goto(f"/console/returns/{line.id}")
    destination = page.get_by_label("Destination")
    expect(destination.locator(f"option[value='{yard.recycler.id}']")).to_be_disabled()
    page.get_by_label("New disposition").select_option("recycle")
    expect(destination.locator(f"option[value='{yard.recycler.id}']")).to_be_enabled()
    expect(destination.locator(f"option[value='{yard.refurb.id}']")).to_be_disabled()
    expect(destination.locator(f"option[value='{yard.depot.id}']")).to_be_disabled()
    expect(page.locator("#destination-notes")).to_contain_text(f"{yard.depot.name} does not recycle")
    destination.select_option(str(yard.recycler.id))
    page.get_by_label("Why (required)").fill("x" * 2000)
    page.get_by_role("button", name="Override").click()
    expect(page.get_by_role("status")).to_contain_text("Disposition overridden")
    assert fits(page), "a 2,000-character comment widened the page"
    session.rollback()
    stored = session.get(ReturnLine, line.id)
    assert (stored.disposition, stored.destination_facility_id) == (Disposition.RECYCLE, yard.recycler.id)
