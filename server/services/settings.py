"""The app's loaded rules and settings, for use cases that are not handed them."""

from flask import current_app

from server.logistics.policy import Policy


def current_policy() -> Policy:
    return current_app.extensions["fieldloop.policy"]


def setting(name: str):
    return current_app.config[name]
