"""Configuration: environments, secrets and the production guard rails."""

from __future__ import annotations

import pytest

from backoffice import create_app
from config import ConfigError, config_for_env

SECRETS = {
    "SECRET_KEY": "k" * 64,
    "SECURITY_PASSWORD_SALT": "s" * 32,
    "DATABASE_URL": "postgresql://db.internal/backoffice",
}


@pytest.fixture
def production_env(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return monkeypatch


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_each_secret(production_env, missing):
    production_env.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        config_for_env("production")


def test_production_with_secrets_is_secure(production_env):
    settings = config_for_env("production").as_dict()
    assert settings["DEBUG"] is False
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert settings["SECURITY_PASSWORD_HASH"] == "bcrypt"


def test_production_never_runs_in_debug(production_env):
    from config.settings import Production

    with pytest.raises(ConfigError, match="debug"):
        create_app({"DEBUG": True}, env="production")
    assert Production.DEBUG is False


def test_backoffice_env_selects_the_class(monkeypatch):
    monkeypatch.setenv("BACKOFFICE_ENV", "testing")
    assert config_for_env().ENV_NAME == "testing"
    monkeypatch.setenv("BACKOFFICE_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        config_for_env()


def test_development_defaults_to_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    uri = config_for_env("development").SQLALCHEMY_DATABASE_URI
    assert uri.startswith("sqlite:///")
    assert uri.endswith("instance/backoffice.db")


def test_env_example_documents_every_variable_the_settings_read():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (root / "config/env.example").read_text(), re.M)
    )
    read = set(
        re.findall(
            r'env(?:_int|_bool)?\(\s*"([A-Z0-9_]+)"', (root / "config/settings.py").read_text()
        )
    )
    read |= set(
        re.findall(
            r'os\.environ(?:\.get)?[\[(]"([A-Z0-9_]+)"', (root / "config/settings.py").read_text()
        )
    )
    assert read - documented == set()
