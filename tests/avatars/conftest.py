"""Avatar tests run against each storage backend: a local directory and a real FTP server.

``store`` is parametrised (local, ftp); a module or test narrows it with
``@pytest.mark.parametrize("store", ["local"], indirect=True)``. The app of each test is
configured for its store through the ``app_config`` fixture, like a deployment would be.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from backoffice.extensions import db
from backoffice.models import User, UserProfile
from backoffice.services.avatars import set_avatar, thumbnail_key
from tests.support import samples
from tests.support.ftpserver import FTP_PASSWORD, FTP_USER, FTPServer
from tests.support.http import csrf_token


@dataclass
class Store:
    """Where the test app's files land, seen from outside the app."""

    kind: str
    root: Path
    config: dict
    server: FTPServer | None = None

    def files(self) -> list[str]:
        """Every file under the root (temporary ones included), relative, sorted."""
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def read(self, key: str) -> bytes:
        """The bytes stored under ``key``, read straight from disk."""
        return (self.root / key).read_bytes()


@pytest.fixture(params=["local", "ftp"])
def store(request, tmp_path) -> Store:
    """A local upload directory, or a pyftpdlib server whose home is a local directory."""
    if request.param == "local":
        root = tmp_path / "uploads"
        return Store("local", root, {"STORAGE_BACKEND": "local", "UPLOAD_DIR": str(root)})
    server = request.getfixturevalue("ftp_server_factory")("ftp-home")
    config = {
        "STORAGE_BACKEND": "ftp",
        "FTP_HOST": "127.0.0.1",
        "FTP_PORT": server.port,
        "FTP_USER": FTP_USER,
        "FTP_PASSWORD": FTP_PASSWORD,
        "FTP_DIR": "media",
        "FTP_TIMEOUT": 3,
    }
    return Store("ftp", server.home / "media", config, server)


@pytest.fixture
def app_config(app_config, store) -> dict:
    """The usual test settings plus the store's."""
    return {**app_config, **store.config}


def jpeg(size=(300, 200)) -> bytes:
    """A plain JPEG upload."""
    return samples.encode(samples.noise(size), "JPEG")


def upload(client, data: bytes, filename: str = "me.jpg", **kw):
    """POST a file to the account avatar form like a browser (multipart, CSRF token)."""
    form = {"avatar": (io.BytesIO(data), filename), "csrf_token": csrf_token(client, "/account/")}
    return client.post("/account/avatar/", data=form, content_type="multipart/form-data", **kw)


def avatar_of(app, user_id: int) -> str | None:
    """The avatar key on the user's profile, read fresh from the database."""
    with app.app_context():
        return db.session.scalar(
            db.select(UserProfile.avatar).where(UserProfile.user_id == user_id)
        )


def give_avatar(app, user_id: int, data: bytes | None = None) -> str:
    """Set an avatar through the service (no HTTP); returns its key."""
    with app.app_context():
        profile = db.session.get(User, user_id).profile
        key = set_avatar(profile, data or jpeg((96, 96)))
        db.session.commit()
        return key


def avatar_files_of(key: str) -> list[str]:
    """The two stored files of an avatar key, sorted like Store.files()."""
    return sorted([key, thumbnail_key(key)])
