"""Choosing and configuring the backend: storage_from_config, init_storage, get_storage."""

from __future__ import annotations

import pytest
from flask import Flask

from backoffice.storage import (
    DEFAULT_UPLOAD_DIR,
    FTPStorage,
    LocalStorage,
    get_storage,
    init_storage,
    storage_from_config,
)
from config.settings import ConfigError


def test_local_is_the_default_under_uploads():
    storage = storage_from_config({})
    assert isinstance(storage, LocalStorage)
    assert storage.root == DEFAULT_UPLOAD_DIR
    assert DEFAULT_UPLOAD_DIR.name == "uploads"
    assert (DEFAULT_UPLOAD_DIR.parent / "backoffice").is_dir()


def test_upload_dir(tmp_path):
    storage = storage_from_config({"STORAGE_BACKEND": " Local ", "UPLOAD_DIR": str(tmp_path)})
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path


def test_ftp_from_environment_style_strings():
    storage = storage_from_config(
        {
            "STORAGE_BACKEND": "ftp",
            "FTP_HOST": "files.internal",
            "FTP_PORT": "2121",
            "FTP_USER": "media",
            "FTP_PASSWORD": "pw",
            "FTP_DIR": "/srv/avatars",
            "FTP_TLS": "yes",
            "FTP_TIMEOUT": "2.5",
            "FTP_PASSIVE": "off",
        }
    )
    assert isinstance(storage, FTPStorage)
    assert (storage.host, storage.port, storage.user, storage.password) == (
        "files.internal",
        2121,
        "media",
        "pw",
    )
    assert storage.directory == "/srv/avatars"
    assert storage.tls is True
    assert storage.timeout == 2.5
    assert storage.passive is False
    # FTPS verifies certificates against the system CAs by default.
    assert storage.ssl_context.verify_mode.name == "CERT_REQUIRED"
    assert storage.ssl_context.check_hostname is True


def test_ftp_defaults():
    storage = storage_from_config({"STORAGE_BACKEND": "ftp", "FTP_HOST": "h"})
    assert (storage.port, storage.user, storage.password, storage.directory) == (
        21,
        "anonymous",
        "",
        "",
    )
    assert (storage.tls, storage.timeout, storage.passive) == (False, 10.0, True)
    assert storage.ssl_context is None


def test_ftp_accepts_real_types():
    storage = storage_from_config(
        {"STORAGE_BACKEND": "FTP", "FTP_HOST": "h", "FTP_PORT": 21, "FTP_TLS": False}
    )
    assert storage.port == 21


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, r"STORAGE_BACKEND='s3' is not one of local, ftp"),
        ({"STORAGE_BACKEND": "ftp"}, "needs FTP_HOST"),
        ({"STORAGE_BACKEND": "ftp", "FTP_HOST": "h", "FTP_PORT": "twenty"}, "FTP_PORT"),
        ({"STORAGE_BACKEND": "ftp", "FTP_HOST": "h", "FTP_TLS": "maybe"}, "FTP_TLS"),
        ({"STORAGE_BACKEND": "ftp", "FTP_HOST": "h", "FTP_TIMEOUT": "0"}, "timeout"),
        ({"STORAGE_BACKEND": "ftp", "FTP_HOST": "h\r\nQUIT"}, "control character"),
        (
            {"STORAGE_BACKEND": "ftp", "FTP_HOST": "h", "FTP_TLS": "1", "FTP_TLS_CAFILE": "/nope"},
            "FTP_TLS_CAFILE",
        ),
    ],
)
def test_bad_configuration_is_a_clear_config_error(config, message):
    with pytest.raises(ConfigError, match=message):
        storage_from_config(config)


def test_init_storage_and_get_storage(tmp_path):
    app = Flask(__name__)
    app.config["UPLOAD_DIR"] = str(tmp_path)
    storage = init_storage(app)
    assert app.extensions["storage"] is storage
    with app.app_context():
        assert get_storage() is storage


def test_get_storage_without_init_is_explicit():
    with Flask(__name__).app_context(), pytest.raises(RuntimeError, match="init_storage"):
        get_storage()


def test_init_storage_makes_no_connection(closed_port):
    # A web node must start while the FTP server is down.
    app = Flask(__name__)
    app.config.update(STORAGE_BACKEND="ftp", FTP_HOST="127.0.0.1", FTP_PORT=closed_port)
    assert isinstance(init_storage(app), FTPStorage)
