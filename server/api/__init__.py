"""The JSON API: blueprints registered in one visible list."""

from datetime import date

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import BaseConverter, ValidationError

from server.api import (
    auth, bench, customer, events, health, integrations, jobs, operations, pickups, reference, returns, reviews, stock,
    stock_deliveries, sync,
)
from server.api import integration_records
from server.api import integration_feed
from server.api import reconciliations
from server.api.errors import register_error_handlers

BLUEPRINTS = [health.blp, auth.blp, sync.blp, returns.blp, jobs.blp, pickups.blp, operations.blp, reference.blp, events.blp,
              reviews.blp, customer.blp, bench.blp, stock.blp, stock_deliveries.blp,
              integrations.blp, integration_records.blp, integration_feed.blp,
              reconciliations.blp]


class IsoDateConverter(BaseConverter):
    """``<date:day>`` in a route: an ISO date such as 2026-11-25."""

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as err:
            raise ValidationError() from err

    def to_url(self, value: date) -> str:
        return value.isoformat()


def register_api(app: Flask, api: Api) -> None:
    app.url_map.converters["date"] = IsoDateConverter
    api.register_converter(IsoDateConverter, lambda converter: {"type": "string", "format": "date"})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    integration_feed.register_event_schemas(api)
    register_error_handlers(app)
