"""The dispatcher console and the customer pickup page: server-rendered HTML pages.

``register_console(app)`` registers the blueprints (one visible list), the CSRF
protection of their forms, the record-maintenance views, the pages' security headers
and the template filters.
"""

from flask import Blueprint, Flask, redirect, url_for

from server.console import (
    bench, customer_page, data, integrations, jobs, overdue, overview, returns, reviews, routes, security, shortages,
    sign_in, sites, stock, users, wording,
)
from server.console import reconcile
from server.console import integration_deliveries
from server.console.admin import register_admin
from server.console.pages import register_page_headers

BLUEPRINTS = [
    sign_in.bp, overview.bp, returns.bp, routes.bp, jobs.bp, overdue.bp, reviews.bp, stock.bp, data.bp, users.bp,
    customer_page.bp, bench.bp, shortages.bp, sites.bp, integrations.bp,
    reconcile.bp,
    integration_deliveries.bp,
]

#: The console's own CSS, JavaScript and icons; the vendored libraries are under /static/vendor/.
assets = Blueprint("console_assets", __name__, static_folder="static", static_url_path="/console/static")


def register_console(app: Flask) -> None:
    _settings(app)
    security.csrf.init_app(app)
    app.register_blueprint(assets)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_admin(app)
    register_page_headers(app)
    app.add_url_rule("/", "home", _home)
    app.add_template_filter(wording.label, "label")
    app.add_template_filter(lambda value: wording.money(value, _currency(app)), "money")
    app.add_template_filter(wording.local_time, "local_time")
    app.add_template_filter(wording.day, "day")
    app.add_template_filter(wording.item_progress, "item_progress")
    app.add_template_global(security.signed_in_user, "signed_in_user")


def _home():
    """The server's address alone leads to the console (its sign-in page when signed out)."""
    return redirect(url_for("console_overview.overview"))


def _settings(app: Flask) -> None:
    config = app.config
    # CSRF is checked by the page blueprints themselves, never on the token-authenticated API.
    config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A form stays valid as long as the session that showed it.
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    if config.get("SESSION_COOKIE_SAMESITE") is None:
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if config.get("ENV_NAME") == "production":
        config["SESSION_COOKIE_SECURE"] = True


def _currency(app: Flask) -> str:
    """The account currency of the rules (economics.currency_symbol)."""
    policy = app.extensions.get("fieldloop.policy")
    return policy.economics.currency_symbol if policy is not None else "€"
