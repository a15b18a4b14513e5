"""Keys: only the shape the app generates is accepted, before any I/O, on every backend."""

from __future__ import annotations

import re

import pytest

from backoffice.storage import InvalidKey, StorageError, is_valid_key, new_key, validate_key

HOSTILE_KEYS = [
    "",
    ".",
    "..",
    "../x",
    "../../etc/passwd",
    "/etc/passwd",
    "/absolute.png",
    "a/../../b",
    "a/./b",
    "avatars/../x.png",
    "a..b/c",
    "a\\b",
    "..\\..\\windows\\win.ini",
    "%2e%2e/x",
    "%2e%2e%2fx",
    "a//b",
    "a/",
    "a/b/",
    "a/b\x00.png",
    "\x00",
    "a\nb",
    "a.png\r\nDELE other.png",  # FTP command injection
    "a b.png",
    "-rf",
    "a/-x.png",
    ".hidden",
    "a/.tmp-0123-x.png",  # a temporary name must never be addressable as a key
    "Avatars/X.PNG",
    "avatars/ĥ.png",
    "avatars/\u2024\u2024/x",  # one-dot leaders that look like ".."
    "avatars\u2215x.png",  # a division slash that looks like "/"
    "ａvatars/x.png",  # fullwidth letter
    "~/x",
    "a:b",
    "a" * 256,
]

VALID_KEYS = [
    "a",
    "avatars/0123456789abcdef0123456789abcdef.webp",
    "avatars/thumbs/0123456789abcdef0123456789abcdef.webp",
    "x_y-z.1.png",
    "a/b/c/d.e",
    "a" * 255,
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_are_refused(key):
    with pytest.raises(InvalidKey):
        validate_key(key)
    assert is_valid_key(key) is False


@pytest.mark.parametrize("key", [None, b"avatars/x.png", 42, ["a"]])
def test_non_strings_are_refused(key):
    with pytest.raises(InvalidKey, match="must be a string"):
        validate_key(key)


@pytest.mark.parametrize("key", VALID_KEYS)
def test_valid_keys_pass(key):
    assert validate_key(key) == key


def test_invalid_key_is_a_storage_error():
    assert issubclass(InvalidKey, StorageError)


def test_new_key_shape():
    key = new_key("avatars", "webp")
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.webp", key)
    assert re.fullmatch(r"avatars/thumbs/[0-9a-f]{32}\.png", new_key("avatars/thumbs", "png"))


@pytest.mark.parametrize(
    ("prefix", "ext"),
    [("../x", "png"), ("/abs", "png"), ("", "png"), ("a", ".png"), ("a", "PNG"), ("a", "p/g")],
)
def test_new_key_refuses_bad_parts(prefix, ext):
    with pytest.raises(InvalidKey):
        new_key(prefix, ext)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_every_operation_refuses_hostile_keys_and_touches_nothing(backend, key, tmp_path):
    before = sorted(p for p in tmp_path.rglob("*"))
    connections = _connections(backend)
    storage = backend.storage
    operations = [
        lambda: storage.save(key, b"pwned", "image/png"),
        lambda: storage.open(key),
        lambda: storage.delete(key),
        lambda: storage.exists(key),
    ]
    for operation in operations:
        with pytest.raises(InvalidKey):
            operation()
    assert sorted(p for p in tmp_path.rglob("*")) == before
    # Refused before any I/O: the FTP server never even saw a connection.
    assert _connections(backend) == connections


def _connections(backend) -> int:
    server = getattr(backend, "server", None)
    return len(server.connections) if server else 0
