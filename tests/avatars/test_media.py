"""GET /media/<key>: signed-in users only, the right headers, 404 for anything but a stored key."""

from __future__ import annotations

import pytest

from backoffice.extensions import db
from backoffice.models import User
from backoffice.services.avatars import thumbnail_key
from backoffice.web.media import avatar_url
from tests.avatars.conftest import give_avatar

local_only = pytest.mark.parametrize("store", ["local"], indirect=True)


def test_serves_image_and_thumbnail_with_cache_and_sniffing_headers(
    app, customer_client, users, store
):
    key = give_avatar(app, users["staff"])  # any signed-in user may see any avatar
    with app.test_request_context():  # the URLs the pages link to
        urls = {key: avatar_url(key), thumbnail_key(key): avatar_url(key, thumbnail=True)}
    assert urls == {name: f"/media/{name}" for name in urls}
    for name, url in urls.items():
        response = customer_client.get(url)
        assert response.status_code == 200
        assert response.data == store.read(name)
        assert response.headers["Content-Type"] == "image/webp"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        assert response.headers["ETag"]
        assert "Content-Disposition" not in response.headers


@local_only
def test_etag_answers_304_without_a_body(app, customer_client, users):
    key = give_avatar(app, users["customer"])
    etag = customer_client.get(f"/media/{key}").headers["ETag"]
    response = customer_client.get(f"/media/{key}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    other = customer_client.get(f"/media/{key}", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200


@local_only
def test_anonymous_visitors_are_sent_to_login_and_api_clients_get_401(app, client, users):
    key = give_avatar(app, users["customer"])
    response = client.get(f"/media/{key}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get(f"/media/{key}", headers={"Accept": "application/json"}).status_code == 401


@local_only
def test_deactivated_users_lose_access(app, customer_client, users):
    key = give_avatar(app, users["customer"])
    with app.app_context():
        db.session.get(User, users["customer"]).active = False
        db.session.commit()
    assert customer_client.get(f"/media/{key}").status_code == 302


def test_missing_key_is_404(customer_client, store):
    response = customer_client.get("/media/avatars/0123456789abcdef0123456789abcdef.webp")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


ESCAPES = [
    "../secret.txt",
    "..%2fsecret.txt",
    "%2e%2e/secret.txt",
    "avatars/../../secret.txt",
    "avatars/%2e%2e/%2e%2e/secret.txt",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "avatars\\..\\..\\secret.txt",
    "avatars/..%5c..%5csecret.txt",
    ".hidden/x.webp",
    "avatars/.tmp-abcd1234",
    "AVATARS/X.WEBP",
    "avatars//x.webp",
    "avatars/x.webp/",
    "avatars/\u2024\u2024/x.webp",
    # "avatars/%00.webp" never gets this far: a 400 (tests/web/test_input_guard.py).
]


def test_path_escapes_and_malformed_keys_are_404(app, customer_client, store, subtests):
    # Something worth stealing next to (and inside) the store's root.
    store.root.mkdir(parents=True, exist_ok=True)
    (store.root.parent / "secret.txt").write_text("top secret")
    (store.root / "secret.txt").write_text("top secret")
    (store.root / "avatars").mkdir(exist_ok=True)
    (store.root / "avatars" / ".tmp-abcd1234").write_text("partial upload")
    for key in ESCAPES:
        with subtests.test(key=key):
            # "//" is merged by a redirect (to /media/etc/passwd: a missing key, 404).
            response = customer_client.get(f"/media/{key}", follow_redirects=True)
            assert response.status_code == 404
            assert b"top secret" not in response.data
            assert b"partial upload" not in response.data


@local_only
def test_symlink_out_of_the_root_is_not_served(app, customer_client, tmp_path, store):
    store.root.mkdir(parents=True, exist_ok=True)
    (tmp_path / "secret.txt").write_text("top secret")
    (store.root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    response = customer_client.get("/media/leak.txt")
    assert response.status_code == 404  # refused by the backend as an escape
    assert b"top secret" not in response.data


@local_only
def test_unknown_extensions_are_downloads_never_rendered(app, customer_client, store):
    store.root.mkdir(parents=True, exist_ok=True)
    (store.root / "note.html").write_text("<script>alert(1)</script>")
    response = customer_client.get("/media/note.html")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("store", ["ftp"], indirect=True)
def test_file_store_outage_is_a_503_page_not_a_500(app, customer_client, users, store):
    key = give_avatar(app, users["customer"])
    store.server.stop()
    response = customer_client.get(f"/media/{key}")
    assert response.status_code == 503
    assert "file store is not available" in response.get_data(as_text=True)
    assert "immutable" not in response.headers.get("Cache-Control", "")
