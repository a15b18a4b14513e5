"""LocalStorage specifics: symlink escapes, failures that leave nothing behind, check()."""

from __future__ import annotations

import contextlib
import os
import pwd
import resource
import shutil
import signal
import stat
import tempfile
from pathlib import Path

import pytest

from backoffice.storage import InvalidKey, LocalStorage, StorageError

KEY = "avatars/0123456789abcdef0123456789abcdef.webp"


def _all_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "uploads"
    path.mkdir()
    return path


@pytest.fixture
def outside(tmp_path):
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_text("top secret")
    return path


def test_root_is_created_on_first_save(tmp_path):
    storage = LocalStorage(tmp_path / "not" / "yet")
    storage.save(KEY, b"x", "image/webp")
    assert (tmp_path / "not" / "yet" / KEY).read_bytes() == b"x"


def test_saved_files_are_readable_by_the_group_and_others(root):
    LocalStorage(root).save(KEY, b"x", "image/webp")
    assert stat.S_IMODE((root / KEY).stat().st_mode) == 0o644


def test_symlinked_directory_out_of_the_root_is_refused(root, outside):
    (root / "avatars").symlink_to(outside, target_is_directory=True)
    storage = LocalStorage(root)
    for operation in (
        lambda: storage.save(KEY, b"pwned", "image/webp"),
        lambda: storage.open("avatars/secret.txt"),
        lambda: storage.delete("avatars/secret.txt"),
        lambda: storage.exists("avatars/secret.txt"),
    ):
        with pytest.raises(StorageError, match="outside the storage root"):
            operation()
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "top secret"


def test_symlinked_file_out_of_the_root_is_refused(root, outside):
    (root / "leak.txt").symlink_to(outside / "secret.txt")
    storage = LocalStorage(root)
    with pytest.raises(StorageError, match="outside the storage root"):
        storage.open("leak.txt")
    with pytest.raises(StorageError, match="outside the storage root"):
        storage.save("leak.txt", b"overwrite", "text/plain")
    assert (outside / "secret.txt").read_text() == "top secret"


def test_symlink_inside_the_root_is_allowed(root):
    (root / "real").mkdir()
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    storage = LocalStorage(root)
    storage.save("alias/x.png", b"x", "image/png")
    assert (root / "real" / "x.png").read_bytes() == b"x"


def test_root_itself_may_be_a_symlink(tmp_path, root):
    link = tmp_path / "link"
    link.symlink_to(root, target_is_directory=True)
    LocalStorage(link).save(KEY, b"x", "image/webp")
    assert (root / KEY).read_bytes() == b"x"


def test_failure_at_rename_leaves_no_temporary_file(root):
    # The final name is taken by a directory: the data is written, then the rename fails.
    (root / KEY).mkdir(parents=True)
    with pytest.raises(StorageError, match="cannot save"):
        LocalStorage(root).save(KEY, b"x" * 10_000, "image/webp")
    assert _all_files(root) == []


def test_failure_creating_the_directory_leaves_nothing(root):
    (root / "avatars").write_bytes(b"a file where a directory should be")
    with pytest.raises(StorageError, match="cannot save"):
        LocalStorage(root).save(KEY, b"x", "image/webp")
    assert _all_files(root) == ["avatars"]


@contextlib.contextmanager
def _file_size_limit(limit: int):
    """Make writes past ``limit`` bytes fail with EFBIG, like a full disk, in this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_write_failing_half_way_leaves_neither_final_nor_temporary_file(root):
    storage = LocalStorage(root)
    storage.save("avatars/old.webp", b"previous avatar", "image/webp")
    with _file_size_limit(64 * 1024), pytest.raises(StorageError, match="cannot save"):
        storage.save(KEY, b"x" * (1024 * 1024), "image/webp")
    assert _all_files(root) == ["avatars/old.webp"]
    assert storage.open("avatars/old.webp") == b"previous avatar"


def test_failed_replace_keeps_the_previous_object(root):
    storage = LocalStorage(root)
    storage.save(KEY, b"previous", "image/webp")
    with _file_size_limit(64 * 1024), pytest.raises(StorageError):
        storage.save(KEY, b"x" * (1024 * 1024), "image/webp")
    assert storage.open(KEY) == b"previous"
    assert _all_files(root) == [KEY]


def _without_root(func) -> str:
    """Run ``func`` in a forked child that is not root; return how it ended.

    Root ignores directory permissions (and CI runs as root), so the child drops to
    "nobody" first; as any other user it just runs. Forked, so nothing is re-imported.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, exit without pytest's teardown
        outcome = "returned"
        try:
            os.close(read)
            if os.geteuid() == 0:
                nobody = pwd.getpwnam("nobody")
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            func()
        except BaseException as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            os.write(write, outcome.encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


@pytest.fixture
def shared_root():
    """An upload root the "nobody" child can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="backoffice-perm-"))
    base.chmod(0o755)
    root = base / "uploads"
    root.mkdir()
    yield root
    for path in (root, *root.rglob("*")):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(base)


def test_read_only_directory_is_a_storage_error_even_for_root(shared_root):
    (shared_root / "avatars").mkdir()
    (shared_root / "avatars").chmod(0o555)
    outcome = _without_root(lambda: LocalStorage(shared_root).save(KEY, b"x", "image/webp"))
    assert outcome.startswith("StorageError: local directory")
    assert outcome.endswith(f"cannot save {KEY}: Permission denied")
    assert _all_files(shared_root) == []


def test_unwritable_root_fails_the_check_even_for_root(shared_root):
    shared_root.chmod(0o555)
    outcome = _without_root(lambda: LocalStorage(shared_root).check())
    assert "cannot save storage-check-" in outcome
    assert outcome.endswith("Permission denied")
    assert _all_files(shared_root) == []


def test_check_fails_clearly_when_the_root_is_a_file(tmp_path):
    not_a_dir = tmp_path / "uploads"
    not_a_dir.write_bytes(b"oops")
    with pytest.raises(StorageError, match=r"local directory .*uploads: cannot save"):
        LocalStorage(not_a_dir).check()


def test_check_describes_the_root(root):
    assert LocalStorage(root).check() == f"local directory {root}: reachable and writable"


def test_repr_names_the_backend(root):
    assert repr(LocalStorage(root)) == f"<LocalStorage local directory {root}>"


def test_hostile_key_never_reaches_the_filesystem(root, outside):
    storage = LocalStorage(root)
    with pytest.raises(InvalidKey):
        storage.save("../outside/secret.txt", b"pwned", "text/plain")
    assert (outside / "secret.txt").read_text() == "top secret"
