"""The local backend: one file per key under a root directory (``UPLOAD_DIR``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import BinaryIO

from .base import (
    STREAM_CHUNK,
    TEMP_PREFIX,
    InvalidKey,
    KeyNotFound,
    Storage,
    StorageError,
    Stream,
    is_temp_name,
    is_valid_key,
    validate_key,
    validate_temp_name,
)

# Files are served by the app, but backups and a separate static server may run as
# another user of the same group; mkstemp's 0600 would hide them.
FILE_MODE = 0o644
#: Bytes copied at a time by ``save_file``: large enough for throughput, small in memory.
COPY_CHUNK = 1024 * 1024


class LocalStorage(Storage):
    """Objects stored as files under ``root``, written atomically."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        """Name the root directory."""
        return f"local directory {self.root}"

    def _path(self, key: str) -> Path:
        """The file for ``key``, refusing any key or symlink that leads out of the root."""
        return self._inside(validate_key(key))

    def _inside(self, name: str) -> Path:
        """``root / name`` for an already validated name, if it resolves under the root."""
        root = self.root.resolve()
        path = root / name
        # The name itself cannot climb out, but a symlink inside the tree could point
        # anywhere: resolve() follows it, and the result must still be under the root.
        if not path.resolve().is_relative_to(root):
            raise InvalidKey(f"{self.describe()}: {name} resolves outside the storage root")
        return path

    def _fail(self, action: str, key: str, exc: OSError) -> StorageError:
        return StorageError(f"{self.describe()}: cannot {action} {key}: {exc.strerror or exc}")

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Write to a temporary file beside the target, fsync it, then rename it in place."""
        self._write(key, lambda fh: fh.write(data))

    def save_file(self, key: str, fileobj: BinaryIO, content_type: str) -> None:
        """Copy ``fileobj`` in chunks to a temporary file beside the target, then rename it."""
        self._write(key, lambda fh: shutil.copyfileobj(fileobj, fh, COPY_CHUNK))

    def _write(self, key: str, write: Callable[[BinaryIO], object]) -> None:
        """``write(fh)`` into a temporary file, fsync it, rename it to ``key``'s file."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fchmod(fh.fileno(), FILE_MODE)
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            raise self._fail("save", key, exc) from exc
        finally:
            # Any failure (the source file's read included): no half-written file is left.
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        _fsync_dir(path.parent)

    def open_stream(self, key: str, chunk_size: int = STREAM_CHUNK) -> Stream:
        """Read the file ``chunk_size`` bytes at a time; a missing file is ``KeyNotFound``."""
        return Stream(self._chunks(key, chunk_size))

    def _chunks(self, key: str, chunk_size: int) -> Generator[int | bytes, None, None]:
        """The file's size, then its chunks (see ``Stream``); the file closes with it."""
        path = self._path(key)
        try:
            # O_NOFOLLOW: a symlink swapped in after the check above is refused.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyNotFound(f"{self.describe()}: no object {key}") from None
        except OSError as exc:
            raise self._fail("read", key, exc) from exc
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):  # a directory opens too, but is no object
                raise KeyNotFound(f"{self.describe()}: no object {key}")
            yield info.st_size
            while chunk := os.read(fd, chunk_size):
                yield chunk
        except OSError as exc:
            raise self._fail("read", key, exc) from exc
        finally:
            os.close(fd)

    def delete(self, key: str) -> None:
        """Unlink the file; nothing to do if it is not there."""
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            pass  # no object under this key (a directory is not one)
        except OSError as exc:
            raise self._fail("delete", key, exc) from exc

    def exists(self, key: str) -> bool:
        """Tell whether a regular file is stored under the key."""
        return self._path(key).is_file()

    def modified(self, key: str) -> dt.datetime:
        """The file's modification time."""
        path = self._path(key)
        try:
            info = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise KeyNotFound(f"{self.describe()}: no object {key}") from None
        except OSError as exc:
            raise self._fail("look up", key, exc) from exc
        if not stat.S_ISREG(info.st_mode):
            raise KeyNotFound(f"{self.describe()}: no object {key}")
        return dt.datetime.fromtimestamp(info.st_mtime, dt.UTC)

    def iter_keys(self) -> Iterator[str]:
        """Walk the root (not following directory symlinks), skipping non-key names."""
        yield from sorted(name for name in self._files() if is_valid_key(name))

    def iter_temporary(self) -> Iterator[tuple[str, dt.datetime]]:
        """Walk the root for ``.tmp-*`` files, with their modification times."""
        found = []
        for name in self._files():
            if is_temp_name(name):
                # A save in progress may finish (rename) between the walk and the stat.
                with contextlib.suppress(FileNotFoundError):
                    mtime = (self.root.resolve() / name).stat().st_mtime
                    found.append((name, dt.datetime.fromtimestamp(mtime, dt.UTC)))
        yield from sorted(found)

    def delete_temporary(self, name: str) -> None:
        """Unlink one temporary file; nothing to do if it is gone."""
        path = self._inside(validate_temp_name(name))
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._fail("delete", name, exc) from exc

    def _files(self) -> Iterator[str]:
        """Every file under the root as a relative POSIX path; hidden directories skipped."""
        root = self.root.resolve()
        if not root.is_dir():
            return  # nothing saved yet: the root is created by the first save

        def fail(exc: OSError) -> None:
            raise self._fail("list", str(exc.filename), exc)

        for dirpath, dirnames, filenames in os.walk(root, onerror=fail):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                yield Path(dirpath, name).relative_to(root).as_posix()


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; best effort, as not every filesystem can fsync a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
