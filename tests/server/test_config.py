"""Configuration comes from the environment; production refuses to start without a secret."""

import pytest

from server import create_app
from server.config import ConfigError, database_url, from_environment


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_the_development_key():
    from server.config import DEVELOPMENT_SECRET_KEY

    with pytest.raises(ConfigError):
        create_app({"ENV_NAME": "production", "SECRET_KEY": DEVELOPMENT_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_defaults_are_the_embedded_set_up():
    config = from_environment({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and config["JOB_RUNNER"] == "thread"
    assert config["SMTP_HOST"] is None


def test_settings_come_from_the_environment():
    config = from_environment({"DATABASE_URL": "postgresql://u@db/fl", "JOB_RUNNER": "celery", "PLANNER_SECONDS": "9"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/fl"
    assert (config["JOB_RUNNER"], config["PLANNER_SECONDS"]) == ("celery", 9.0)
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_an_unknown_job_runner_is_refused():
    with pytest.raises(ConfigError, match="JOB_RUNNER"):
        create_app({"JOB_RUNNER": "cron", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
