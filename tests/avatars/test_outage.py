"""The store failing during an upload: an error for the user, the old avatar kept, no file left."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.services.avatars import STORE_FAILED
from tests.avatars.conftest import avatar_files_of, avatar_of, give_avatar, jpeg, upload
from tests.support.ftpserver import FTPHandler

ftp_only = pytest.mark.parametrize("store", ["ftp"], indirect=True)
ROOT = Path(__file__).resolve().parents[2]


def _assert_refused_and_unchanged(app, response, users, store, old):
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert STORE_FAILED in page
    assert "127.0.0.1" not in page  # no server details for the user
    assert avatar_of(app, users["customer"]) == old
    assert store.files() == avatar_files_of(old)


@ftp_only
def test_ftp_server_down_keeps_the_old_avatar(app, customer_client, users, store):
    old = give_avatar(app, users["customer"])
    store.server.stop()
    response = upload(customer_client, jpeg())
    _assert_refused_and_unchanged(app, response, users, store, old)


@ftp_only
def test_ftp_refusing_the_thumbnail_removes_the_image_already_stored(
    app, customer_client, users, store
):
    old = give_avatar(app, users["customer"])
    handler = store.server.handler  # this server's own handler class: patched for this test
    stored = []

    def stor_refusing_thumbnails(self, file, mode="w"):
        if "-thumb" in file:
            self.respond("552 Exceeded storage allocation.")  # the FTP "disk full"
            return None
        stored.append(file)
        return FTPHandler.ftp_STOR(self, file, mode)

    handler.ftp_STOR = stor_refusing_thumbnails
    response = upload(customer_client, jpeg())
    assert len(stored) == 1  # the new image really was written, then removed
    _assert_refused_and_unchanged(app, response, users, store, old)


@ftp_only
def test_ftp_gone_mid_upload_leaves_only_an_orphan_that_sweep_removes(
    app, customer_client, users, store
):
    old = give_avatar(app, users["customer"])
    handler = store.server.handler
    handler.down = False

    def user(self, line):
        if type(self).down:  # the server is "down": refuse every new session
            self.respond("421 Service not available.")
            self.close_when_done()
            return None
        return FTPHandler.ftp_USER(self, line)

    def stor_then_go_down(self, file, mode="w"):
        if "-thumb" in file:
            type(self).down = True
            self.close()  # the server vanishes during the second file
            return None
        return FTPHandler.ftp_STOR(self, file, mode)

    handler.ftp_USER, handler.ftp_STOR = user, stor_then_go_down
    response = upload(customer_client, jpeg())
    assert response.status_code == 503
    assert avatar_of(app, users["customer"]) == old
    # The new image could not be deleted while the server was down: it is an orphan
    # (no profile refers to it), never served, and swept once the server is back.
    orphans = sorted(set(store.files()) - set(avatar_files_of(old)))
    assert len(orphans) == 1
    handler.down = False
    result = app.test_cli_runner().invoke(args=["storage", "sweep", "--min-age", "0"])
    assert result.exit_code == 0, result.output
    assert f"removed: {orphans[0]} (unreferenced)" in result.output
    assert store.files() == avatar_files_of(old)


@pytest.mark.parametrize("store", ["local"], indirect=True)
def test_local_disk_full_mid_upload_leaves_nothing(app, migrated, users, store):
    old = give_avatar(app, users["customer"])
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.avatars.full_disk",
            migrated,
            str(store.root),
            str(users["customer"]),
            "1024",  # the ~300-byte avatar fits, the ~4 kB thumbnail does not
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout.splitlines()[-1]) == {"refused": STORE_FAILED}
    assert "File too large" in child.stderr  # the logged cause: EFBIG on the thumbnail
    assert avatar_of(app, users["customer"]) == old
    assert store.files() == avatar_files_of(old)  # no new image, no temporary file
