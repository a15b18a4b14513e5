"""One user's simultaneous uploads leave one avatar and no unreferenced files."""

from __future__ import annotations

import io
import threading

import pytest

from tests.avatars.conftest import avatar_files_of, avatar_of, jpeg
from tests.conftest import csrf_token, login

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
