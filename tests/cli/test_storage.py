"""``python manage.py storage check | migrate | sweep``: a local directory and a real FTP server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyftpdlib.filesystems import AbstractedFS

from backoffice.extensions import db
from backoffice.models import User, utcnow
from backoffice.services.avatars import avatar_files, set_avatar
from backoffice.services.storage_tasks import sweep
from backoffice.storage import get_storage
from tests.support import samples
from tests.support.apps import make_app
from tests.support.factories import add_user
from tests.support.ftpserver import FTP_PASSWORD, FTP_USER
from tests.support.http import login


@pytest.fixture
def ftp(ftp_server_factory):
    """The FTP server the app is configured for (STORAGE_BACKEND stays local)."""
    return ftp_server_factory("ftp-home")


@pytest.fixture
def app_config(app_config, ftp) -> dict:
    """The app's FTP_* settings point at the test server; the backend is local."""
    ftp_settings = {
        "FTP_HOST": "127.0.0.1",
        "FTP_PORT": ftp.port,
        "FTP_USER": FTP_USER,
        "FTP_PASSWORD": FTP_PASSWORD,
        "FTP_DIR": "media",
        "FTP_TIMEOUT": 3,
    }
    return {**ftp_settings, **app_config}


def files(root: Path) -> list[str]:
    """Every file under ``root``, relative, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def run(app, *args):
    return app.test_cli_runner().invoke(args=["storage", *args])


def with_avatars(app, count: int, first: int = 0) -> list[str]:
    """``count`` new users with avatars; returns every stored file name."""
    names = []
    with app.app_context():
        for i in range(first, first + count):
            uid = add_user(app, f"pic{i}@example.com")
            key = set_avatar(
                db.session.get(User, uid).profile, samples.encode(samples.noise((64, 64)), "PNG")
            )
            db.session.commit()
            names += avatar_files(key)
    return sorted(names)


# --- check -----------------------------------------------------------------------------------


def test_check_local_ok(app, tmp_path):
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert result.output == f"OK: local directory {tmp_path / 'uploads'}: reachable and writable\n"
    assert files(tmp_path / "uploads") == []  # the probe is gone


@pytest.mark.config(UPLOAD_DIR="/dev/null/uploads")
def test_check_local_fails_clearly(app):
    result = run(app, "check")
    assert result.exit_code == 1
    assert "Error: local directory /dev/null/uploads: cannot save" in result.output


@pytest.mark.config(STORAGE_BACKEND="ftp")
def test_check_ftp_ok_then_down(app, ftp):
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: ftp://media@127.0.0.1:{ftp.port}/media (passive)")
    ftp.stop()
    result = run(app, "check")
    assert result.exit_code == 1
    assert "Error: FTP save" in result.output
    assert "Connection refused" in result.output
    assert FTP_PASSWORD not in result.output


# --- migrate -----------------------------------------------------------------------------------


def test_migrate_local_to_ftp_and_back(app, migrated, app_config, ftp, tmp_path, users):
    local_root = tmp_path / "uploads"
    originals = with_avatars(app, 3)
    (local_root / "avatars" / "unreferenced.webp").write_bytes(b"orphan")  # not copied
    result = run(app, "migrate", "--to", "ftp")
    assert result.exit_code == 0, result.output
    assert "6 files copied and verified, 0 already there" in result.output
    assert "Now set STORAGE_BACKEND=ftp and restart the app" in result.output
    assert files(ftp.home / "media") == originals
    for name in originals:
        assert (ftp.home / "media" / name).read_bytes() == (local_root / name).read_bytes()
    assert app.config["STORAGE_BACKEND"] == "local"  # nothing was switched

    # The operator switches: the same database and secrets, files now served from FTP.
    same_secrets = {k: app.config[k] for k in ("SECRET_KEY", "SECURITY_PASSWORD_SALT")}
    ftp_app = make_app(migrated, **{**app_config, **same_secrets, "STORAGE_BACKEND": "ftp"})
    try:
        _migrate_back(ftp_app, local_root, ftp.home / "media", originals)
    finally:
        with ftp_app.app_context():
            db.engine.dispose()  # a second app: its connections are not the fixture's


def _migrate_back(ftp_app, local_root: Path, ftp_root: Path, originals: list[str]) -> None:
    client = ftp_app.test_client()
    login(client, "admin@example.com")
    assert client.get(f"/media/{originals[0]}").data == (local_root / originals[0]).read_bytes()
    added = with_avatars(ftp_app, 1, first=3)[0]  # a new avatar, stored on FTP only
    result = run(ftp_app, "migrate", "--to", "local")
    assert result.exit_code == 0, result.output
    assert "2 files copied and verified, 6 already there and verified" in result.output
    assert (local_root / added).read_bytes() == (ftp_root / added).read_bytes()
    assert "Now set STORAGE_BACKEND=local" in result.output


class _CorruptingFS(AbstractedFS):
    """A server disk that flips a byte in every file it writes (a bad disk or proxy)."""

    def open(self, filename, mode):
        fh = super().open(filename, mode)
        if "w" not in mode:
            return fh
        write = fh.write
        fh.write = lambda chunk: write(bytes([chunk[0] ^ 0xFF]) + chunk[1:] if chunk else chunk)
        return fh


def test_migrate_fails_on_a_copy_that_reads_back_differently(app, ftp):
    with_avatars(app, 1)
    ftp.handler.abstracted_fs = _CorruptingFS  # this test server's handler class only
    result = run(app, "migrate", "--to", "ftp")
    assert result.exit_code == 1
    assert "0 files copied and verified, 0 already there and verified, 0 missing" in result.output
    assert "2 failed" in result.output
    assert result.output.count("the copy read back differs from the original") == 2
    assert "Error: nothing was switched" in result.output
    assert "Now set" not in result.output


def test_migrate_reports_files_missing_from_the_source(app, ftp, tmp_path):
    names = with_avatars(app, 2)
    (tmp_path / "uploads" / names[0]).unlink()
    result = run(app, "migrate", "--to", "ftp")
    assert result.exit_code == 1
    assert "3 files copied and verified, 0 already there and verified, 1 missing" in result.output
    assert f"missing: {names[0]} (referenced by a profile, not in the source)" in result.output
    assert "Error: nothing was switched" in result.output


def test_migrate_with_the_target_down_fails(app, ftp):
    with_avatars(app, 1)
    ftp.stop()
    result = run(app, "migrate", "--to", "ftp")
    assert result.exit_code == 1
    assert "2 failed" in result.output
    assert "Connection refused" in result.output
    assert FTP_PASSWORD not in result.output


def test_migrate_refuses_the_backend_in_use_and_an_unconfigured_target(app):
    result = run(app, "migrate", "--to", "local")
    assert result.exit_code == 1
    assert "the app already uses local directory" in result.output
    app.config["FTP_HOST"] = ""
    result = run(app, "migrate", "--to", "ftp")
    assert result.exit_code == 1
    assert "Error: target not configured: STORAGE_BACKEND=ftp needs FTP_HOST" in result.output
    assert run(app, "migrate", "--to", "s3").exit_code == 2  # click: not a choice


# --- sweep ---------------------------------------------------------------------------------------


def test_sweep_removes_old_orphans_and_temporary_files_only(app, tmp_path):
    root = tmp_path / "uploads"
    kept = with_avatars(app, 2)
    orphan = "avatars/0123456789abcdef0123456789abcdef.webp"
    (root / orphan).write_bytes(b"replaced avatar that could not be deleted")
    (root / "avatars" / ".tmp-k3x9q2ab").write_bytes(b"crashed upload")
    (root / "other").mkdir()
    (root / "other" / "file.txt").write_bytes(b"not an avatar: never swept")
    with app.app_context():
        storage = get_storage()
        young = sweep(storage, now=utcnow(), min_age=dt.timedelta(minutes=60))
        assert (young.orphans, young.temporary, young.failed) == ([], [], [])
        later = utcnow() + dt.timedelta(minutes=61)
        dry = sweep(storage, now=later, min_age=dt.timedelta(minutes=60), dry_run=True)
        assert (dry.orphans, dry.temporary) == ([orphan], ["avatars/.tmp-k3x9q2ab"])
        assert len(files(root)) == len(kept) + 3
        done = sweep(storage, now=later, min_age=dt.timedelta(minutes=60))
        assert (done.orphans, done.temporary, done.failed) == (dry.orphans, dry.temporary, [])
    assert files(root) == sorted([*kept, "other/file.txt"])


def test_sweep_command(app, tmp_path):
    root = tmp_path / "uploads"
    kept = with_avatars(app, 1)
    (root / "avatars" / "0123456789abcdef0123456789abcdef-thumb.webp").write_bytes(b"o")
    result = run(app, "sweep", "--dry-run", "--min-age", "0")
    assert result.exit_code == 0, result.output
    assert "would remove: avatars/0123456789abcdef0123456789abcdef-thumb.webp" in result.output
    assert len(files(root)) == 3
    result = run(app, "sweep")  # default --min-age 60: a file written just now is kept
    assert "0 unreferenced and 0 temporary files removed, 0 failures." in result.output
    result = run(app, "sweep", "--min-age", "0")
    assert result.exit_code == 0
    assert "1 unreferenced and 0 temporary files removed" in result.output
    assert files(root) == kept


def test_sweep_measures_age_by_the_app_clock(app, tmp_path, clock):
    root = tmp_path / "uploads"
    kept = with_avatars(app, 1)
    (root / "avatars" / "0123456789abcdef0123456789abcdef.webp").write_bytes(b"orphan")
    clock.now = dt.datetime.now(dt.UTC)
    assert "0 unreferenced and 0 temporary files removed" in run(app, "sweep").output
    clock.advance(minutes=61)  # past the default --min-age of 60 minutes
    assert "1 unreferenced and 0 temporary files removed" in run(app, "sweep").output
    assert files(root) == kept


@pytest.mark.config(STORAGE_BACKEND="ftp")
def test_sweep_on_ftp(app, ftp):
    kept = with_avatars(app, 1)
    media = ftp.home / "media" / "avatars"
    (media / "0123456789abcdef0123456789abcdef.webp").write_bytes(b"orphan")
    (media / ".tmp-0011223344556677-x.webp").write_bytes(b"crashed upload")
    result = run(app, "sweep", "--min-age", "0")
    assert result.exit_code == 0, result.output
    assert "1 unreferenced and 1 temporary files removed, 0 failures." in result.output
    assert files(ftp.home / "media") == kept


@pytest.mark.config(STORAGE_BACKEND="ftp")
def test_sweep_that_cannot_remove_a_file_says_so_and_exits_1(app, ftp):
    kept = with_avatars(app, 1)
    orphan = "avatars/0123456789abcdef0123456789abcdef.webp"
    (ftp.home / "media" / orphan).write_bytes(b"orphan")
    ftp.handler.ftp_DELE = lambda handler, path: handler.respond("550 Not allowed.")
    result = run(app, "sweep", "--min-age", "0")
    assert result.exit_code == 1
    assert f"failed: {orphan}" in result.output
    assert "0 unreferenced and 0 temporary files removed, 1 failures." in result.output
    assert "Error: 1 files could not be removed (see above)." in result.output
    assert files(ftp.home / "media") == sorted([*kept, orphan])
