"""Fixtures for the notification tests: notice factories, and the loopback SMTP
server and webhook receiver of tests/loopback_servers.py."""

from datetime import datetime, timezone

import pytest

from loopback_servers import closed_port, smtp_server_with_login  # noqa: F401  (fixtures)
from server.notify.messages import ItemLine, PickupNotice, Sender
MAIL_FROM = "Fieldloop <pickups@fieldloop.example>"
REPLY_TO = "returns-desk@fieldloop.example"


# The factories keep no state, so one per session serves every test (and hypothesis).
@pytest.fixture(scope="session")
def make_item():
    def make(**overrides) -> ItemLine:
        fields = {"part_number": "FU-4410", "description": "Fuser unit", "serial": "SN-0001", "quantity": 1}
        return ItemLine(**(fields | overrides))

    return make


@pytest.fixture(scope="session")
def make_notice(make_item):
    """A two-item pickup at Acme's Leeds site, Tuesday 31 March 2026, 09:00–12:00 BST."""

    def make(**overrides) -> PickupNotice:
        fields = {
            "pickup_ref": "PU-2026-0042",
            "site_name": "Acme Print, Leeds",
            "site_address": "1 Wellington Street\nLeeds LS1 4DL\nUnited Kingdom",
            "contact_name": "Jo Bloggs",
            "contact_email": "jo.bloggs@acme.example",
            "window_start": datetime(2026, 3, 31, 8, 0, tzinfo=timezone.utc),
            "window_end": datetime(2026, 3, 31, 11, 0, tzinfo=timezone.utc),
            "items": [
                make_item(),
                make_item(part_number="TN-221K", description="Toner cartridge, black", serial=None, quantity=3),
            ],
            "link_url": "https://fieldloop.example/p/token-abc",
            "sequence": 0,
            "organiser_email": "pickups@fieldloop.example",
            "courier_ref": "DPD-7781",
            "lat": 53.7965,
            "lon": -1.5478,
        }
        return PickupNotice(**(fields | overrides))

    return make


@pytest.fixture
def sender() -> Sender:
    return Sender(mail_from=MAIL_FROM, reply_to=REPLY_TO)
