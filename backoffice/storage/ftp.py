"""The FTP backend: one short-lived ``ftplib`` connection per operation.

Web nodes are stateless, so no connection outlives a call: nothing to keep alive,
nothing shared between threads. Every socket operation has a timeout, and every
``ftplib``/socket/TLS failure becomes a ``StorageError`` whose text never holds the password.
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import posixpath
import ssl
from collections.abc import Iterator

from .base import KeyNotFound, Storage, StorageError, is_valid_key, temp_name, validate_key

# ftplib.all_errors is (ftplib.Error, OSError, EOFError); timeouts, refused connections
# and TLS failures (ssl.SSLError) are all OSErrors.
FTP_ERRORS = ftplib.all_errors


class _TLSSessionReuseFTP(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control connection's TLS session."""

    # Many servers (vsftpd's require_ssl_reuse, FileZilla Server) refuse a data
    # connection that does not resume the control session, so a third party cannot
    # slip into a transfer; stock ftplib does not resume it.
    def ntransfercmd(self, cmd, rest=None):
        # Skip FTP_TLS.ntransfercmd (which wraps without the session) and wrap here.
        conn, size = super(ftplib.FTP_TLS, self).ntransfercmd(cmd, rest)
        if self._prot_p:
            try:
                conn = self.context.wrap_socket(
                    conn, server_hostname=self.host, session=self.sock.session
                )
            except BaseException:
                conn.close()
                raise
        return conn, size


class _PlainFTP(ftplib.FTP):
    """Plain FTP (FTP_TLS=false): password and files travel in clear, for trusted networks."""


def _is_missing(exc: ftplib.Error) -> bool:
    """A 550 reply: "file unavailable" (not found, or no access)."""
    return str(exc).startswith("550")


def _is_dir(ftp: ftplib.FTP, folder: str) -> bool:
    """Whether ``folder`` exists, found by changing into it (changes the directory)."""
    try:
        ftp.cwd(folder or ".")
    except ftplib.error_perm:
        return False
    return True


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

    def _connect(self) -> ftplib.FTP:
        if self.tls:
            ftp: ftplib.FTP = _TLSSessionReuseFTP(context=self.ssl_context, timeout=self.timeout)
        else:
            ftp = _PlainFTP(timeout=self.timeout)
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
            if _is_missing(exc):
                return False
            raise
        return True

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """STOR to a temporary name in the target directory, then RNFR/RNTO into place."""
        remote = self._remote(key)
        folder, name = posixpath.split(remote)
        tmp = posixpath.join(folder, temp_name(name))
        stor_sent = False  # a failure before STOR leaves nothing to clean up
        try:
            with self._session("save", key) as ftp:
                self._makedirs(ftp, folder)
                stor_sent = True
                ftp.storbinary(f"STOR {tmp}", io.BytesIO(data))
                ftp.rename(tmp, remote)
        except StorageError:
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

    def open(self, key: str) -> bytes:
        """RETR the file; a 550 reply is ``KeyNotFound``."""
        remote = self._remote(key)
        buf = io.BytesIO()
        with self._session("read", key) as ftp:
            try:
                ftp.retrbinary(f"RETR {remote}", buf.write)
            except ftplib.error_perm as exc:
                if _is_missing(exc):
                    raise KeyNotFound(f"{self.describe()}: no object {key}") from None
                raise
        return buf.getvalue()

    def delete(self, key: str) -> None:
        """DELE the file; a 550 is fine only if the file is really not there."""
        remote = self._remote(key)
        with self._session("delete", key) as ftp:
            try:
                ftp.delete(remote)
            except ftplib.error_perm as exc:
                if not _is_missing(exc) or self._has(ftp, remote):
                    raise

    def exists(self, key: str) -> bool:
        """SIZE the file (in binary mode, which servers require for SIZE)."""
        remote = self._remote(key)
        with self._session("look up", key) as ftp:
            return self._has(ftp, remote)

    def iter_keys(self) -> Iterator[str]:
        """List the tree with MLSD (RFC 3659), skipping temporary and foreign names."""
        keys: list[str] = []
        with self._session("list", "keys") as ftp:
            self._walk(ftp, self.directory, "", keys)
        yield from sorted(keys)

    def _walk(self, ftp: ftplib.FTP, folder: str, prefix: str, keys: list[str]) -> None:
        try:
            entries = list(ftp.mlsd(folder, facts=["type"]))
        except ftplib.error_perm:
            # Servers differ in how they refuse a missing directory (550, 501, ...):
            # ask directly. The walk ends here either way, so changing directory is harmless.
            if prefix == "" and not _is_dir(ftp, folder):
                return  # nothing saved yet: the directory is created by the first save
            raise
        for name, facts in entries:
            key = prefix + name
            if not is_valid_key(key):
                continue  # ".", "..", temporary files, anything the app did not write
            kind = facts.get("type", "").lower()
            if kind == "dir":
                self._walk(ftp, posixpath.join(folder, name), key + "/", keys)
            elif kind == "file":
                keys.append(key)
