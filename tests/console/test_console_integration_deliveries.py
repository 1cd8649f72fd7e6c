"""An integration's dead-letter page: the feed webhooks that failed for good, and "resend from here"."""

import json

import sqlalchemy as sa

from common.enums import StockGrade, StockLocationKind
from integration_fixtures import integration_with_key
from server.models import FeedEvent
from server.runner import run_due
from server.services.integration import accounts
from stock_fixtures import supply


def erp_after_a_refused_delivery(app, session, yard, receiver):
    """Three events for the ERP's webhook; the receiver refuses the second for good."""
    integration, _ = integration_with_key(session)
    accounts.set_webhook(session, integration.id, receiver.url, "whsec-erp", allow_loopback=True)
    receiver.answers += [(204, {}, 0.0), (400, {}, 0.0)]
    for quantity in (1, 2, 3):
        supply(session, StockLocationKind.FACILITY, yard.depot.id, yard.fuser, StockGrade.NEW, quantity)
    run_due(app)
    session.rollback()
    events = [str(e) for e in session.scalars(sa.select(FeedEvent.id).order_by(FeedEvent.seq))]
    return integration, events


def test_the_page_lists_the_failed_delivery_and_resend_from_here_sends_it_and_the_later_ones(
        app, admin, session, yard, webhook_receiver):
    integration, (first, second, third) = erp_after_a_refused_delivery(app, session, yard, webhook_receiver)
    listing = admin.get("/console/integrations").get_data(as_text=True)
    page_url = f"/console/integrations/{integration.id}/deliveries"
    assert page_url in listing
    page = admin.get(page_url).get_data(as_text=True)
    assert second in page and first not in page and third not in page
    assert "The webhook receiver answered HTTP 400." in page
    webhook_receiver.requests.clear()

    resend_url = page.split(f'action="{page_url}/', 1)[1].split('"', 1)[0]
    answer = admin.post(f"{page_url}/{resend_url}")
    assert answer.status_code == 303
    run_due(app)
    assert sorted(json.loads(r.body)["id"] for r in webhook_receiver.requests) == sorted([second, third])
    after = admin.get(page_url).get_data(as_text=True)
    assert "2 deliveries queued again" in after and "No failed deliveries." in after


def test_only_admins_see_an_integrations_deliveries(dispatcher, session, yard):
    integration, _ = integration_with_key(session)
    assert dispatcher.get(f"/console/integrations/{integration.id}/deliveries").status_code == 403


def test_a_delivery_of_another_integration_cannot_be_resent_from_here(app, admin, session, yard, webhook_receiver):
    integration, _ = erp_after_a_refused_delivery(app, session, yard, webhook_receiver)
    other, _ = integration_with_key(session, name="CRM", source="crm")
    page = admin.get(f"/console/integrations/{integration.id}/deliveries").get_data(as_text=True)
    notification_id = page.split("/resend", 1)[0].rsplit("/", 1)[1]
    assert admin.post(f"/console/integrations/{other.id}/deliveries/{notification_id}/resend").status_code == 404
