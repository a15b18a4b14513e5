"""FTPS (FTP_TLS=true): certificates are verified, control and data channels encrypted."""

from __future__ import annotations

import ssl

import pytest
import trustme

from backoffice.storage import StorageError, storage_from_config
from tests.support.ftpserver import FTP_PASSWORD, FTP_USER

KEY = "avatars/0123456789abcdef0123456789abcdef.webp"
DATA = bytes(range(256)) * 64

TLS_FTPHandler = pytest.importorskip("pyftpdlib.handlers").TLS_FTPHandler


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ftps_server(ftp_server_factory, ca, tmp_path):
    """An FTPS server that refuses any login or transfer outside TLS."""
    certfile = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(certfile))
    return ftp_server_factory(
        handler_base=TLS_FTPHandler,
        certfile=str(certfile),
        tls_control_required=True,
        tls_data_required=True,
    )


@pytest.fixture
def trusting_context(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_roundtrip_over_tls(ftps_server, trusting_context):
    storage = ftps_server.storage(tls=True, ssl_context=trusting_context)
    storage.save(KEY, DATA, "image/webp")
    assert storage.open(KEY) == DATA
    assert storage.exists(KEY)
    assert list(storage.iter_keys()) == [KEY]
    assert storage.check().startswith(f"ftps://{FTP_USER}@127.0.0.1:")
    storage.delete(KEY)
    assert not storage.exists(KEY)


def test_plain_ftp_is_refused_by_a_tls_only_server(ftps_server):
    with pytest.raises(StorageError, match="550 SSL/TLS required on the control channel"):
        ftps_server.storage(tls=False).save(KEY, DATA, "image/webp")


def test_untrusted_certificate_is_refused_by_default(ftps_server):
    # No ssl_context: the system CAs, which do not know the test CA.
    with pytest.raises(StorageError, match="unable to get local issuer certificate") as info:
        ftps_server.storage(tls=True).save(KEY, DATA, "image/webp")
    assert FTP_PASSWORD not in str(info.value)
    assert list(ftps_server.home.rglob("*")) == []


def test_certificate_for_another_host_is_refused(ftp_server_factory, ca, tmp_path):
    certfile = tmp_path / "other.pem"
    ca.issue_cert("files.example.com").private_key_and_cert_chain_pem.write_to_path(str(certfile))
    server = ftp_server_factory(handler_base=TLS_FTPHandler, certfile=str(certfile))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with pytest.raises(StorageError, match="IP address mismatch"):
        server.storage(tls=True, ssl_context=context).exists(KEY)


def test_private_ca_from_config(ftps_server, ca, tmp_path):
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    storage = storage_from_config(
        {
            "STORAGE_BACKEND": "ftp",
            "FTP_HOST": "127.0.0.1",
            "FTP_PORT": str(ftps_server.port),
            "FTP_USER": FTP_USER,
            "FTP_PASSWORD": FTP_PASSWORD,
            "FTP_TLS": "true",
            "FTP_TLS_CAFILE": str(cafile),
            "FTP_TIMEOUT": "5",
        }
    )
    storage.save(KEY, DATA, "image/webp")
    assert storage.open(KEY) == DATA
