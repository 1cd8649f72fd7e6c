"""The JSON API: blueprints registered in one visible list."""

from flask import Flask
from flask_smorest import Api

from server.api import auth, events, jobs, reference, returns, sync
from server.api.errors import register_error_handlers

BLUEPRINTS = [auth.blp, sync.blp, returns.blp, jobs.blp, reference.blp, events.blp]


def register_api(app: Flask, api: Api) -> None:
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    register_error_handlers(app)
