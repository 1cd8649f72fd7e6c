"""A customer's webhook URL, entered in the records, must be https to a public address."""

import pytest
import sqlalchemy as sa

from server.models import Customer


def dotted(*parts: int) -> str:
    return ".".join(str(part) for part in parts)


def save_webhook(dispatcher, customer_id: int, url: str):
    return dispatcher.post(f"/console/admin/customers/edit/?id={customer_id}", {"name": "Northfield Dental",
                                                                                 "webhook_url": url})


@pytest.mark.parametrize("url", [
    f"https://{dotted(10, 0, 0, 7)}/hooks",
    f"https://{dotted(169, 254, 169, 254)}/latest/meta-data/",
    "https://[fd00:ec2::254]/",
    "http://127.0.0.1:5088/console/sign-in",
    "gopher://localhost/",
], ids=["private", "metadata", "ipv6-metadata", "loopback-in-production", "not-http"])
def test_a_webhook_url_that_reaches_inside_is_refused_under_its_field(app, dispatcher, yard, session, url):
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = False
    customer_id = yard.north.customer_id
    r = save_webhook(dispatcher, customer_id, url)
    assert r.status_code == 200 and ("public address" in r.get_data(as_text=True)
                                     or "not a valid URL" in r.get_data(as_text=True))
    session.rollback()
    assert session.get(Customer, customer_id).webhook_url is None


def test_a_loopback_webhook_is_accepted_in_development(dispatcher, yard, session, webhook_receiver):
    r = save_webhook(dispatcher, yard.north.customer_id, webhook_receiver.url)
    assert r.status_code == 302
    session.rollback()
    assert session.scalar(sa.select(Customer.webhook_url).where(Customer.id == yard.north.customer_id)) == \
        webhook_receiver.url
