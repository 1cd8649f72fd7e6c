"""Configuration from environment variables, with defaults for the embedded set-up.

The embedded default (SQLite under ``instance/``, background jobs in-process,
mail written to a folder) needs no server at all; production points
``DATABASE_URL`` at PostgreSQL and sets ``JOB_RUNNER=celery``.
"""

import logging
import os
from pathlib import Path

from common.protocol import MAX_REQUEST_BYTES

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("FIELDLOOP_INSTANCE_DIR", PROJECT_DIR / "instance"))

DEVELOPMENT_SECRET_KEY = "development-only-secret-key"
#: The shortest SECRET_KEY production accepts: 256 bits.
MIN_SECRET_KEY_BYTES = 32

log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The configuration cannot run the app; the message says which setting."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(env=None) -> dict:
    """Build the app's settings from environment variables."""
    env = os.environ if env is None else env
    env_name = env.get("FIELDLOOP_ENV", "development").strip().lower()
    return {
        "ENV_NAME": env_name,
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'fieldloop.db'}")),
        "MAX_CONTENT_LENGTH": MAX_REQUEST_BYTES,
        "TOKEN_TTL_SECONDS": int(env.get("TOKEN_TTL_SECONDS", 12 * 3600)),
        # Sign-in throttling per (username, address): docs/security.md
        "LOGIN_FREE_FAILURES": int(env.get("LOGIN_FREE_FAILURES", 3)),
        "LOGIN_FIRST_DELAY_SECONDS": float(env.get("LOGIN_FIRST_DELAY_SECONDS", 1)),
        "LOGIN_MAX_DELAY_SECONDS": float(env.get("LOGIN_MAX_DELAY_SECONDS", 15 * 60)),
        "LOGIN_FAILURE_WINDOW_SECONDS": int(env.get("LOGIN_FAILURE_WINDOW_SECONDS", 24 * 3600)),
        "PASSWORD_HASH_MEMORY_KIB": int(env.get("PASSWORD_HASH_MEMORY_KIB", 64 * 1024)),
        "PASSWORD_HASH_TIME_COST": int(env.get("PASSWORD_HASH_TIME_COST", 3)),
        "SYNC_RETENTION_DAYS": int(env.get("SYNC_RETENTION_DAYS", 30)),
        "FEED_RETENTION_DAYS": int(env.get("FEED_RETENTION_DAYS", 30)),
        "JOB_SCOPE_COMPLETED_DAYS": int(env.get("JOB_SCOPE_COMPLETED_DAYS", 7)),
        "JOB_RUNNER": env.get("JOB_RUNNER", "thread"),  # thread | celery | manual
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "TASK_MAX_ATTEMPTS": int(env.get("TASK_MAX_ATTEMPTS", 8)),
        "TASK_POLL_SECONDS": float(env.get("TASK_POLL_SECONDS", 2.0)),
        "TASK_RETRY_BASE_S": float(env.get("TASK_RETRY_BASE_S", 15)),
        # A task that commits its own progress (sending mail, planning) runs again this long after its
        # worker was last seen starting it, if it never finished.
        "TASK_LEASE_SECONDS": float(env.get("TASK_LEASE_SECONDS", 600)),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # The logistics engine and planning
        "RULES_PATH": env.get("RULES_PATH"),  # default: server/logistics/rules.toml
        "SITE_TIMEZONE": env.get("SITE_TIMEZONE", "Europe/London"),
        "PLANNER_SECONDS": float(env.get("PLANNER_SECONDS", 5)),
        # Plans, moves and customers' requested days: from today (tomorrow for a move) to this many days ahead.
        "PLAN_HORIZON_DAYS": int(env.get("PLAN_HORIZON_DAYS", 60)),
        "PICKUP_WINDOW_MINUTES": int(env.get("PICKUP_WINDOW_MINUTES", 120)),
        "DISTANCE_PROVIDER": env.get("DISTANCE_PROVIDER", "great_circle"),  # great_circle | osrm
        "OSRM_URL": env.get("OSRM_URL"),
        "COURIER_SPEED_KMH": float(env.get("COURIER_SPEED_KMH", 35)),
        "CO2_KG_PER_KM": float(env.get("CO2_KG_PER_KM", 0.21)),
        "OVERDUE_PICKUP_DAYS": int(env.get("OVERDUE_PICKUP_DAYS", 10)),
        "OVERDUE_RECEIVE_DAYS": int(env.get("OVERDUE_RECEIVE_DAYS", 5)),
        # Notifications
        "MAIL_FROM": env.get("MAIL_FROM", "Fieldloop <returns@fieldloop.example>"),
        "MAIL_REPLY_TO": env.get("MAIL_REPLY_TO"),
        "SMTP_HOST": env.get("SMTP_HOST"),  # none: mail is written to MAIL_FOLDER
        "SMTP_PORT": int(env.get("SMTP_PORT", 25)),
        "SMTP_USERNAME": env.get("SMTP_USERNAME"),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), False),
        "SMTP_SSL": _bool(env.get("SMTP_SSL"), False),
        "MAIL_FOLDER": env.get("MAIL_FOLDER", str(INSTANCE_DIR / "mail")),
        "CUSTOMER_LINK_TTL_DAYS": int(env.get("CUSTOMER_LINK_TTL_DAYS", 14)),
        "WEBHOOK_TIMEOUT_S": float(env.get("WEBHOOK_TIMEOUT_S", 10)),
        # Webhooks to this machine (http or https to loopback) are for development and tests only.
        "WEBHOOK_ALLOW_LOOPBACK": _bool(env.get("WEBHOOK_ALLOW_LOOPBACK"), env_name != "production"),
        # Dispatcher console
        "MAP_TILE_URL": env.get("MAP_TILE_URL", ""),  # e.g. a tile server of your own; empty: routes drawn without tiles
        "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION", ""),
        "CONSOLE_SESSION_HOURS": int(env.get("CONSOLE_SESSION_HOURS", 12)),
        "BEHIND_PROXY": _bool(env.get("BEHIND_PROXY"), False),
        # Requests an integration's key may make per minute (docs/integration.md)
        "INTEGRATION_RATE_PER_MINUTE": int(env.get("INTEGRATION_RATE_PER_MINUTE", 600)),
    }


def validate(config: dict) -> None:
    """Refuse settings the app must not run with; say so when development settings sign with a public key."""
    config["ENV_NAME"] = str(config["ENV_NAME"]).strip().lower()
    if config["ENV_NAME"] == "production":
        key = config.get("SECRET_KEY") or ""
        if not key or key == DEVELOPMENT_SECRET_KEY:
            raise ConfigError("SECRET_KEY must be set to a secret value when FIELDLOOP_ENV=production.")
        if len(key.encode() if isinstance(key, str) else key) < MIN_SECRET_KEY_BYTES:
            raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes long when "
                              f"FIELDLOOP_ENV=production, for example: python -c 'import secrets; "
                              f"print(secrets.token_urlsafe(48))'.")
    elif not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    if config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY:
        log.warning("FIELDLOOP_ENV=%s with the public development SECRET_KEY: console sessions and the links "
                    "sent to customers are signed with a key anyone can read. Never use this set-up with "
                    "real customers; set FIELDLOOP_ENV=production and a SECRET_KEY of your own.", config["ENV_NAME"])
    if config["JOB_RUNNER"] not in {"thread", "celery", "manual"}:
        raise ConfigError(f"JOB_RUNNER must be thread, celery or manual, not {config['JOB_RUNNER']!r}.")
