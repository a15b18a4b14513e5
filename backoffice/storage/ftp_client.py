"""ftplib pieces the FTP backend builds on: TLS session reuse, error and time helpers."""

from __future__ import annotations

import datetime as dt
import ftplib
import ssl
from collections.abc import Iterator

# ftplib.all_errors is (ftplib.Error, OSError, EOFError); timeouts, refused connections
# and TLS failures (ssl.SSLError) are all OSErrors.
FTP_ERRORS = ftplib.all_errors


class TLSSessionReuseFTP(ftplib.FTP_TLS):
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


class PlainFTP(ftplib.FTP):
    """Plain FTP (FTP_TLS=false): password and files travel in clear, for trusted networks."""


def is_missing(exc: ftplib.Error) -> bool:
    """A 550 reply: "file unavailable" (not found, or no access)."""
    return str(exc).startswith("550")


def ftp_time(value: str) -> dt.datetime:
    """An MDTM or MLSD ``modify`` timestamp (``YYYYMMDDHHMMSS[.sss]``, UTC per RFC 3659)."""
    return dt.datetime.strptime(value[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)


def is_dir(ftp: ftplib.FTP, folder: str) -> bool:
    """Whether ``folder`` exists, found by changing into it (changes the directory)."""
    try:
        ftp.cwd(folder or ".")
    except ftplib.error_perm:
        return False
    return True


def retr_chunks(ftp: ftplib.FTP, remote: str, chunk_size: int) -> Iterator[bytes]:
    """RETR ``remote`` in binary mode, yielding what the data connection brings."""
    # retrbinary's loop, turned inside out so the caller pulls: the file never has
    # to fit in memory. Closing the generator early closes the data connection;
    # the server then answers 426 on the control connection, which the caller drops.
    ftp.voidcmd("TYPE I")
    with ftp.transfercmd(f"RETR {remote}") as conn:
        while chunk := conn.recv(chunk_size):
            yield chunk
        if isinstance(conn, ssl.SSLSocket):
            conn.unwrap()  # a clean TLS close, as retrbinary does
    ftp.voidresp()  # "226 Transfer complete": anything else is a failed transfer
