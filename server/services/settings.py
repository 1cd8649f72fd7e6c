"""The app's loaded rules and settings, for use cases that are not handed them."""

from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app

from server import clock

from server.logistics.policy import Policy


def current_policy() -> Policy:
    return current_app.extensions["fieldloop.policy"]


def setting(name: str):
    return current_app.config[name]


def site_today() -> date:
    """Today where the sites are (SITE_TIMEZONE), by the server clock."""
    return clock.now().astimezone(ZoneInfo(setting("SITE_TIMEZONE"))).date()
