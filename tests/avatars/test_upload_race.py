"""One user's simultaneous uploads leave one avatar and no unreferenced files; a busy
SQLite database refuses an upload cleanly."""

from __future__ import annotations

import io
import threading

import pytest

from backoffice.services.locks import BUSY
from tests.avatars.conftest import avatar_files_of, avatar_of, give_avatar, jpeg
from tests.avatars.test_admin import edit_profile
from tests.support.databases import sqlite_only, sqlite_write_lock
from tests.support.http import csrf_token, login

UPLOADS = 8


@pytest.mark.parametrize("store", ["local"], indirect=True)
@pytest.mark.parametrize("round_no", range(3))
def test_simultaneous_uploads_leave_one_avatar_and_no_orphans(app, users, store, round_no):
    clients = []
    for _ in range(UPLOADS):
        client = app.test_client()
        assert login(client, "customer@example.com").status_code == 302
        clients.append((client, csrf_token(client, "/account/")))
    images = [jpeg((64 + i, 64)) for i in range(UPLOADS)]
    start = threading.Barrier(UPLOADS)
    statuses: list[object] = [None] * UPLOADS

    def upload(i):
        client, token = clients[i]
        form = {"avatar": (io.BytesIO(images[i]), "me.jpg"), "csrf_token": token}
        start.wait()
        try:
            statuses[i] = client.post(
                "/account/avatar/", data=form, content_type="multipart/form-data"
            ).status_code
        except Exception as exc:  # the test client re-raises what would be a 500
            statuses[i] = repr(exc)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "an upload hung (deadlock?)"
    assert statuses == [302] * UPLOADS
    key = avatar_of(app, users["customer"])
    assert key is not None
    files = store.files()
    assert set(avatar_files_of(key)) <= set(files)
    orphans = [f for f in files if f not in avatar_files_of(key)]
    assert orphans == [], f"{len(orphans) // 2} unreferenced avatars"


@pytest.mark.parametrize("store", ["local"], indirect=True)
@sqlite_only
@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.2}})
def test_a_busy_sqlite_database_refuses_the_upload_and_keeps_no_file(app, migrated, users, store):
    old = give_avatar(app, users["customer"])
    customer, admin = app.test_client(), app.test_client()
    assert login(customer, "customer@example.com").status_code == 302
    assert login(admin, "admin@example.com").status_code == 302
    token = csrf_token(customer, "/account/")
    with sqlite_write_lock(migrated):
        form = {"avatar": (io.BytesIO(jpeg()), "me.jpg"), "csrf_token": token}
        response = customer.post("/account/avatar/", data=form, content_type="multipart/form-data")
        assert response.status_code == 503
        assert BUSY in response.get_data(as_text=True)
        response = edit_profile(admin, app, users["customer"], jpeg())
        assert response.status_code == 200
        assert BUSY in response.get_data(as_text=True)
    assert avatar_of(app, users["customer"]) == old
    assert store.files() == avatar_files_of(old)
