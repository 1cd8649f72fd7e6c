"""The Integrations page in a real browser: an admin creates an integration, issues a key, sees it once, revokes it."""

import re

import requests
from playwright.sync_api import expect
from page_width import fits


def test_an_admin_creates_an_integration_issues_a_key_and_revokes_it(laptop, yard, live_server, sign_in_as, shoot):
    sign_in_as(laptop, "root")
    laptop.goto("/console/users")
    laptop.get_by_role("link", name="Integrations").click()
    laptop.wait_for_url(re.compile(r"/console/integrations$"))

    new = laptop.locator("#new-integration")
    new.get_by_label("Name").fill("Acme ERP")
    new.get_by_label("Source").fill("acme")
    new.get_by_role("button", name="Create").click()
    card = laptop.locator("article.integration", has_text="Acme ERP")
    expect(card).to_contain_text("No keys yet.")

    card.get_by_label("Label").fill("production")
    card.get_by_role("button", name="Issue a key").click()
    shown = laptop.locator("#plain-key")
    expect(shown).to_have_text(re.compile(r"^flk_[0-9a-f]{8}_"))
    plain = shown.inner_text()
    shoot(laptop, "integrations")
    whoami = lambda: requests.get(f"{live_server.url}/api/v1/integration/whoami",  # noqa: E731
                                  headers={"Authorization": f"Bearer {plain}"}, timeout=10)
    assert whoami().json()["source"] == "acme"

    laptop.goto("/console/integrations")
    expect(laptop.locator("#plain-key")).to_have_count(0)
    assert plain not in laptop.content()
    card = laptop.locator("article.integration", has_text="Acme ERP")
    expect(card).to_contain_text(f"{plain[:12]}_…")
    card.get_by_role("button", name="Revoke production").click()
    expect(laptop.locator(".flash")).to_contain_text("revoked")
    expect(laptop.locator("article.integration", has_text="Acme ERP")).to_contain_text("Revoked")
    assert whoami().status_code == 401
    assert fits(laptop)


def test_at_phone_width_the_page_fits_the_screen(phone_screen, yard, sign_in_as):
    sign_in_as(phone_screen, "root")
    phone_screen.goto("/console/integrations")
    new = phone_screen.locator("#new-integration")
    new.get_by_label("Name").fill("Acme ERP")
    new.get_by_label("Source").fill("acme")
    new.get_by_role("button", name="Create").click()
    expect(phone_screen.locator("article.integration")).to_contain_text("acme")
    assert fits(phone_screen)
