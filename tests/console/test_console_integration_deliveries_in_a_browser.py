"""The dead-letter page in a real browser: an admin finds a refused delivery and resends from it."""

import json
import re

from playwright.sync_api import expect

from server.runner import run_due
from test_console_integration_deliveries import erp_after_a_refused_delivery
from page_width import fits


def test_an_admin_resends_from_a_dead_letter(app, laptop, yard, live_server, sign_in_as, session, webhook_receiver):
    _, (_first, second, third) = erp_after_a_refused_delivery(app, session, yard, webhook_receiver)
    webhook_receiver.requests.clear()
    sign_in_as(laptop, "root")
    laptop.goto("/console/integrations")
    laptop.locator("article.integration", has_text="ERP").get_by_role("link", name="Webhook deliveries").click()
    laptop.wait_for_url(re.compile(r"/console/integrations/\d+/deliveries$"))
    row = laptop.locator("#dead-letters tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(second)
    expect(row).to_contain_text("The webhook receiver answered HTTP 400.")

    row.get_by_role("button", name=f"Resend from {second}").click()
    expect(laptop.locator(".flash")).to_contain_text("2 deliveries queued again")
    run_due(app)
    assert sorted(json.loads(r.body)["id"] for r in webhook_receiver.requests) == sorted([second, third])
    laptop.reload()
    expect(laptop.locator("#dead-letters")).to_contain_text("No failed deliveries.")
    assert fits(laptop)
