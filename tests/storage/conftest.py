"""Fixtures for the storage tests: both backends (the FTP server fixtures are shared)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from backoffice.storage import LocalStorage, Storage
from tests.support.ftpserver import FTPServer


@dataclass
class Backend:
    """A storage backend under test and the local directory where its files land."""

    storage: Storage
    root: Path
    server: FTPServer | None = None

    def files(self) -> list[str]:
        """Every file under the root, relative, as sorted POSIX paths."""
        found = []
        for dirpath, _dirs, names in os.walk(self.root):
            found += [Path(dirpath, n).relative_to(self.root).as_posix() for n in names]
        return sorted(found)


@pytest.fixture(params=["local", "ftp", "ftp-subdir", "ftp-absdir"])
def backend(request, tmp_path: Path) -> Backend:
    """Each backend: local, and FTP at the home, under a relative and an absolute FTP_DIR."""
    if request.param == "local":
        root = tmp_path / "uploads"
        return Backend(LocalStorage(root), root)
    server = request.getfixturevalue("ftp_server")
    directory = {"ftp": "", "ftp-subdir": "media/store", "ftp-absdir": "/srv/media/"}
    folder = directory[request.param]
    # pyftpdlib chroots the user to its home: "/srv/media" is <home>/srv/media.
    root = server.home.joinpath(folder.strip("/"))
    return Backend(server.storage(directory=folder), root, server)
