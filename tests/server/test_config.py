"""Configuration comes from the environment; production refuses to start without a long secret."""

import logging

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


def test_production_refuses_a_secret_key_shorter_than_32_bytes():
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 31, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("name", ["Production", "PRODUCTION", " production "])
def test_production_is_production_in_any_case(name):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENV_NAME": name, "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app({"ENV_NAME": name, "SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_environment_variable_is_read_in_any_case():
    assert from_environment({"FIELDLOOP_ENV": "Production"})["ENV_NAME"] == "production"


def test_development_with_the_public_key_says_so_loudly_at_start_up(caplog):
    with caplog.at_level(logging.WARNING, logger="server.config"):
        create_app({"ENV_NAME": "development", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    [warning] = [r for r in caplog.records if r.name == "server.config"]
    assert warning.levelno == logging.WARNING and "customers are signed with a key anyone can read" in warning.message


def test_a_secret_key_of_its_own_starts_without_the_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="server.config"):
        create_app({"ENV_NAME": "development", "SECRET_KEY": "own key", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not [r for r in caplog.records if r.name == "server.config"]
