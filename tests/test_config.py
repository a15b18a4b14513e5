"""Configuration: environments, secrets and the production guard rails."""

from __future__ import annotations

import pytest

from backoffice import create_app
from backoffice.storage import DEFAULT_UPLOAD_DIR, FTPStorage, LocalStorage
from config import ConfigError, config_for_env

SECRETS = {
    "SECRET_KEY": "k" * 64,
    "SECURITY_PASSWORD_SALT": "s" * 32,
    "SECURITY_TOTP_SECRETS": "1:" + "t" * 40,
    "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS": "dGhpcnR5LXR3by1ieXRlcy1mb3ItYS1mZXJuZXQta2U=",
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


def test_two_factor_keys_come_from_the_environment(production_env):
    production_env.setenv("SECURITY_TOTP_SECRETS", "2:newer 1:older")
    settings = config_for_env("production").as_dict()
    assert settings["SECURITY_TOTP_SECRETS"] == {2: "newer", 1: "older"}
    assert settings["SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS"] == [
        SECRETS["SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS"]
    ]
    production_env.setenv("SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS", "not-a-key")
    with pytest.raises(ConfigError, match="Fernet"):
        config_for_env("production")


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
            r'env(?:_int|_bool|_float)?\(\s*"([A-Z0-9_]+)"',
            (root / "config/settings.py").read_text(),
        )
    )
    read |= set(
        re.findall(
            r'os\.environ(?:\.get)?[\[(]"([A-Z0-9_]+)"', (root / "config/settings.py").read_text()
        )
    )
    assert read - documented == set()


def test_bad_storage_backend_refuses_to_start(monkeypatch):
    with pytest.raises(ConfigError, match="STORAGE_BACKEND='s3' is not one of local, ftp"):
        create_app({"STORAGE_BACKEND": "s3"}, env="testing")
    monkeypatch.setenv("STORAGE_BACKEND", "dropbox")
    with pytest.raises(ConfigError, match="STORAGE_BACKEND='dropbox'"):
        create_app(env="development")
    monkeypatch.setenv("STORAGE_BACKEND", "ftp")
    with pytest.raises(ConfigError, match="STORAGE_BACKEND=ftp needs FTP_HOST"):
        create_app(env="development")


def test_storage_settings_come_from_the_environment(monkeypatch, tmp_path):
    env = {
        "STORAGE_BACKEND": "ftp",
        "FTP_HOST": "files.internal",
        "FTP_PORT": "2121",
        "FTP_USER": "media",
        "FTP_PASSWORD": "pw",
        "FTP_DIR": "/srv/avatars",
        "FTP_TLS": "false",
        "FTP_TIMEOUT": "4",
        "FTP_PASSIVE": "no",
        "AVATAR_MAX_PIXELS": "1000000",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app(env="development")
    storage = app.extensions["storage"]
    assert isinstance(storage, FTPStorage)
    assert storage.describe() == "ftp://media@files.internal:2121//srv/avatars (active)"
    assert storage.timeout == 4.0
    assert app.config["AVATAR_MAX_PIXELS"] == 1_000_000
    # Parsed once, by config.settings: app.config holds numbers and booleans.
    assert (app.config["FTP_PORT"], app.config["FTP_TLS"], app.config["FTP_PASSIVE"]) == (
        2121,
        False,
        False,
    )
    monkeypatch.setenv("STORAGE_BACKEND", "local")
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "media"))
    assert create_app(env="development").extensions["storage"].root == tmp_path / "media"


def test_local_storage_defaults_to_uploads_in_the_checkout(monkeypatch):
    monkeypatch.delenv("STORAGE_BACKEND", raising=False)
    monkeypatch.delenv("UPLOAD_DIR", raising=False)
    assert create_app(env="development").extensions["storage"].root == DEFAULT_UPLOAD_DIR


def test_tests_never_write_to_the_checkout_or_an_inherited_store(monkeypatch, app):
    monkeypatch.setenv("STORAGE_BACKEND", "ftp")
    monkeypatch.setenv("UPLOAD_DIR", str(DEFAULT_UPLOAD_DIR))
    settings = config_for_env("testing")
    assert settings.STORAGE_BACKEND == "local"
    assert not settings.UPLOAD_DIR.startswith(str(DEFAULT_UPLOAD_DIR.parent))
    storage = app.extensions["storage"]  # the fixture's app: a directory of the test's own
    assert isinstance(storage, LocalStorage)
    assert "pytest" in str(storage.root)


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("MAIL_USE_TLS", "maybe", "a boolean"),
        ("FTP_PASSIVE", "sometimes", "a boolean"),
        ("LOCKOUT_THRESHOLD", "five", "a number"),
        ("FTP_PORT", "twenty-one", "a number"),
        ("FTP_TIMEOUT", "soon", "a number"),
    ],
)
def test_a_malformed_variable_stops_the_app_naming_it(monkeypatch, name, value, kind):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"{name}='{value}' is not {kind}"):
        create_app(env="development")


def test_empty_variables_mean_the_default(monkeypatch):
    for name in ("MAIL_USE_TLS", "FTP_PASSIVE", "LOCKOUT_THRESHOLD", "FTP_TIMEOUT"):
        monkeypatch.setenv(name, "")
    settings = config_for_env("development")
    assert (settings.MAIL_USE_TLS, settings.FTP_PASSIVE) == (False, True)
    assert (settings.LOCKOUT_THRESHOLD, settings.FTP_TIMEOUT) == (5, 10.0)
