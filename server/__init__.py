"""Fieldloop server: ``create_app()`` builds the Flask app from configuration."""

from flask import Flask

from server import config as settings


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by `config`."""
    app = Flask(__name__, instance_path=str(settings.INSTANCE_DIR), instance_relative_config=False)
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    settings.validate(app.config)
    app.config.update(_api_settings())
    from server.access_log import redact_werkzeug_log

    redact_werkzeug_log()
    if app.config["BEHIND_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    settings.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    from server.database import configure_engine, render_migration_type
    from server.extensions import api, db, migrate
    from server.logistics.policy import load_policy
    from server.services.accounts.passwords import Passwords

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app, db, directory=str(settings.PROJECT_DIR / "migrations"), render_as_batch=True, compare_type=True,
        render_item=render_migration_type,
    )
    api.init_app(app)
    app.extensions["fieldloop.policy"] = load_policy(app.config["RULES_PATH"])
    app.extensions["fieldloop.passwords"] = Passwords(
        app.config["PASSWORD_HASH_MEMORY_KIB"], app.config["PASSWORD_HASH_TIME_COST"]
    )

    from server.services.sync.changes import register_change_log

    register_change_log()
    from server.services.integration.feed_log import register_feed_log
    from server.services.integration.feed_webhooks import register_feed_webhooks

    register_feed_log()
    register_feed_webhooks()
    from server.api import register_api
    from server.console import register_console

    register_api(app, api)
    register_console(app)

    from server.cli import register_commands

    register_commands(app)

    from server.runner import init_runner, register_session_hooks

    register_session_hooks()
    init_runner(app)
    return app


def _api_settings() -> dict:
    return {
        "API_TITLE": "Fieldloop",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
        },
    }
