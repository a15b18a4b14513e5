"""The FTP backend: one short-lived ``ftplib`` connection per operation.

Web nodes are stateless, so no connection outlives a call: nothing to keep alive,
nothing shared between threads. Every socket operation has a timeout, and every
``ftplib``/socket/TLS failure becomes a ``StorageError`` whose text never holds the password.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ftplib
import io
import posixpath
import ssl
from collections.abc import Generator, Iterator
from typing import BinaryIO

from .base import (
    STREAM_CHUNK,
    KeyNotFound,
    Storage,
    StorageError,
    Stream,
    is_temp_name,
    is_valid_key,
    temp_name,
    validate_key,
    validate_temp_name,
)
from .ftp_client import (
    FTP_ERRORS,
    PlainFTP,
    TLSSessionReuseFTP,
    ftp_time,
    is_dir,
    is_missing,
    retr_chunks,
)

#: Bytes sent per data-connection write (ftplib's default is 8 KiB).
STOR_BLOCK = 256 * 1024


class FTPStorage(Storage):
    """Objects stored as files under ``directory`` on an FTP (or FTPS) server."""

    def __init__(
        self,
        host: str,
        port: int = 21,
        user: str = "anonymous",
        password: str = "",
        directory: str = "",
        tls: bool = False,
        timeout: float = 10.0,
        passive: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        for name, value in (("host", host), ("user", user), ("directory", directory)):
            # ftplib refuses CR/LF itself; refuse early, with a clear message.
            if any(ch in value for ch in "\r\n\0"):
                raise ValueError(f"FTP {name} contains a control character")
        if not host:
            raise ValueError("FTP host is required")
        if timeout <= 0:
            raise ValueError("FTP timeout must be positive")
        self.host, self.port, self.user, self.password = host, int(port), user, password
        self.directory = directory
        self.tls, self.timeout, self.passive = tls, float(timeout), passive
        # ftplib's own default context verifies nothing; ours checks the certificate
        # and the host name against the system CAs (or the context given).
        self.ssl_context = ssl_context or (ssl.create_default_context() if tls else None)

    def describe(self) -> str:
        """Name the server and directory (never the password)."""
        scheme = "ftps" if self.tls else "ftp"
        mode = "passive" if self.passive else "active"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.directory} ({mode})"

    def _remote(self, key: str) -> str:
        return posixpath.join(self.directory, validate_key(key))

    def _error(self, action: str, key: str, exc: BaseException) -> StorageError:
        if isinstance(exc, TimeoutError):
            detail = f"no answer within {self.timeout:g}s"
        elif isinstance(exc, ftplib.Error):
            detail = str(exc)  # the server's reply, e.g. "550 Not enough privileges."
        elif isinstance(exc, EOFError):
            detail = "the server closed the connection"
        elif isinstance(exc, OSError) and exc.strerror and not isinstance(exc, ssl.SSLError):
            detail = exc.strerror
        else:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        text = f"FTP {action} {key} on {self.describe()} failed: {detail}"
        # Some servers echo the command they refuse; never let the password through.
        return StorageError(text.replace(self.password, "***") if self.password else text)

    def _time(self, action: str, name: str, value: str) -> dt.datetime:
        try:
            return ftp_time(value)
        except ValueError:
            raise self._error(action, name, ValueError(f"unreadable time {value[:40]!r}")) from None

    def _connect(self) -> ftplib.FTP:
        if self.tls:
            ftp: ftplib.FTP = TLSSessionReuseFTP(context=self.ssl_context, timeout=self.timeout)
        else:
            ftp = PlainFTP(timeout=self.timeout)
        try:
            ftp.connect(self.host, self.port, timeout=self.timeout)
            ftp.login(self.user, self.password)  # FTP_TLS sends AUTH TLS first
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()  # encrypt the data connections too
            ftp.set_pasv(self.passive)
            ftp.voidcmd("TYPE I")  # binary: transfers are exact, and SIZE is allowed
        except BaseException:
            ftp.close()
            raise
        return ftp

    @contextlib.contextmanager
    def _session(self, action: str, key: str) -> Iterator[ftplib.FTP]:
        """A logged-in connection for one operation, closed afterwards."""
        ftp = None
        try:
            ftp = self._connect()
            yield ftp
            with contextlib.suppress(*FTP_ERRORS):
                ftp.quit()
        except FTP_ERRORS as exc:
            # from None: the chained ftplib error would repeat the unfiltered text.
            raise self._error(action, key, exc) from None
        finally:
            if ftp is not None:
                ftp.close()

    def _makedirs(self, ftp: ftplib.FTP, folder: str) -> None:
        path = "/" if folder.startswith("/") else ""
        for part in filter(None, folder.split("/")):
            path = posixpath.join(path, part)
            with contextlib.suppress(ftplib.error_perm):
                # Usually "exists"; a real refusal shows up as the STOR failing.
                ftp.mkd(path)

    def _has(self, ftp: ftplib.FTP, remote: str) -> bool:
        try:
            ftp.size(remote)
        except ftplib.error_perm as exc:
            if is_missing(exc):
                return False
            raise
        return True

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """STOR to a temporary name in the target directory, then RNFR/RNTO into place."""
        self.save_file(key, io.BytesIO(data), content_type)

    def save_file(self, key: str, fileobj: BinaryIO, content_type: str) -> None:
        """As ``save``, with STOR reading ``fileobj`` block by block (never whole)."""
        remote = self._remote(key)
        folder, name = posixpath.split(remote)
        tmp = posixpath.join(folder, temp_name(name))
        stor_sent = False  # a failure before STOR leaves nothing to clean up
        try:
            with self._session("save", key) as ftp:
                self._makedirs(ftp, folder)
                stor_sent = True
                ftp.storbinary(f"STOR {tmp}", fileobj, blocksize=STOR_BLOCK)
                ftp.rename(tmp, remote)
        except BaseException:
            # A StorageError, or the source file failing to read mid-transfer: the
            # partial upload under its temporary name goes, the final name was never used.
            if stor_sent:
                self._discard(tmp)
            raise

    def _discard(self, tmp: str) -> None:
        """Delete a temporary file after a failed save, on a fresh connection."""
        # The failed connection may be dead or out of step (a late reply to STOR would
        # be read as the answer to DELE), so cleanup never reuses it. Best effort: if
        # the server is gone, the temporary name (never a valid key) stays behind.
        # A refused DELE (550: STOR never created the file) is suppressed the same way.
        with contextlib.suppress(StorageError), self._session("clean up", tmp) as ftp:
            ftp.delete(tmp)

    def open_stream(self, key: str, chunk_size: int = STREAM_CHUNK) -> Stream:
        """SIZE then RETR on a connection of the stream's own, closed with the stream."""
        return Stream(self._chunks(key, chunk_size))

    def _chunks(self, key: str, chunk_size: int) -> Generator[int | bytes, None, None]:
        """The file's size, then its chunks (see ``Stream``); a 550 is ``KeyNotFound``."""
        remote = self._remote(key)
        # Closing the generator early (the client went away) leaves the session by
        # GeneratorExit: no QUIT, both connections are simply closed.
        with self._session("read", key) as ftp:
            try:
                yield ftp.size(remote)
                yield from retr_chunks(ftp, remote, chunk_size)
            except ftplib.error_perm as exc:
                if is_missing(exc):  # also a file removed between SIZE and RETR
                    raise KeyNotFound(f"{self.describe()}: no object {key}") from None
                raise

    def delete(self, key: str) -> None:
        """DELE the file; a 550 is fine only if the file is really not there."""
        self._delete(key, self._remote(key))

    def delete_temporary(self, name: str) -> None:
        """DELE one temporary file; a 550 is fine only if it is really not there."""
        self._delete(name, posixpath.join(self.directory, validate_temp_name(name)))

    def _delete(self, name: str, remote: str) -> None:
        with self._session("delete", name) as ftp:
            try:
                ftp.delete(remote)
            except ftplib.error_perm as exc:
                if not is_missing(exc) or self._has(ftp, remote):
                    raise

    def exists(self, key: str) -> bool:
        """SIZE the file (in binary mode, which servers require for SIZE)."""
        remote = self._remote(key)
        with self._session("look up", key) as ftp:
            return self._has(ftp, remote)

    def modified(self, key: str) -> dt.datetime:
        """MDTM the file; a 550 reply is ``KeyNotFound``."""
        remote = self._remote(key)
        with self._session("look up", key) as ftp:
            try:
                reply = ftp.sendcmd(f"MDTM {remote}")
            except ftplib.error_perm as exc:
                if is_missing(exc):
                    raise KeyNotFound(f"{self.describe()}: no object {key}") from None
                raise
            return self._time("look up", key, reply.split()[-1])

    def iter_keys(self) -> Iterator[str]:
        """List the tree with MLSD (RFC 3659), skipping temporary and foreign names."""
        with self._session("list", "keys") as ftp:
            files = self._walk(ftp, self.directory, "")
        yield from sorted(name for name, _facts in files if is_valid_key(name))

    def iter_temporary(self) -> Iterator[tuple[str, dt.datetime]]:
        """List the tree with MLSD for ``.tmp-*`` files and their ``modify`` times."""
        with self._session("list", "temporary files") as ftp:
            found = [
                (name, self._time("list", name, facts.get("modify", "")))
                for name, facts in self._walk(ftp, self.directory, "")
                if is_temp_name(name)
            ]
        yield from sorted(found)

    def _walk(self, ftp: ftplib.FTP, folder: str, prefix: str) -> list[tuple[str, dict]]:
        """Every file under ``folder`` as (path relative to the root, MLSD facts)."""
        try:
            entries = list(ftp.mlsd(folder, facts=["type", "modify"]))
        except ftplib.error_perm:
            # Servers differ in how they refuse a missing directory (550, 501, ...):
            # ask directly. The walk ends here either way, so changing directory is harmless.
            if prefix == "" and not is_dir(ftp, folder):
                return []  # nothing saved yet: the directory is created by the first save
            raise
        found = []
        for name, facts in entries:
            path = prefix + name
            kind = facts.get("type", "").lower()
            if kind == "dir" and is_valid_key(path):
                # Only directories a key can name: not ".", "..", hidden or foreign ones.
                found += self._walk(ftp, posixpath.join(folder, name), path + "/")
            elif kind == "file":
                found.append((path, facts))
        return found
