"""Staff and admins: the avatar field on the profile form, thumbnails in the lists, user deletes."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError

from backoffice.extensions import db
from backoffice.models import AuditLog, User
from backoffice.services.avatars import set_avatar, thumbnail_key
from backoffice.services.images import NOT_AN_IMAGE
from tests.avatars.conftest import avatar_files_of, avatar_of, give_avatar, jpeg
from tests.support.databases import temporary_ddl
from tests.support.factories import add_user
from tests.support.http import csrf_token

local_only = pytest.mark.parametrize("store", ["local"], indirect=True)

PROFILE = {
    "full_name": "Carl Customer",
    "bio": "",
    "address": "",
    "zipcode": "",
    "phone": "",
    "contact_email": "",
    "website": "",
}


def profile_id(app, user_id: int) -> int:
    with app.app_context():
        return db.session.get(User, user_id).profile.id


def full_name(app, user_id: int) -> str | None:
    with app.app_context():
        return db.session.get(User, user_id).profile.full_name


def edit_profile(client, app, user_id: int, file: bytes | None = None, **fields):
    """Submit the admin's profile edit form as a browser would (multipart, CSRF)."""
    data = {**PROFILE, **fields, "csrf_token": csrf_token(client)}
    if file is not None:
        data["avatar"] = (io.BytesIO(file), "photo.jpg")
    url = f"/admin/userprofile/edit/?id={profile_id(app, user_id)}"
    return client.post(url, data=data, content_type="multipart/form-data")


def test_admin_uploads_an_avatar_with_other_changes(app, admin_client, users, store):
    response = edit_profile(admin_client, app, users["customer"], jpeg(), full_name="Carl C.")
    assert response.status_code == 302
    key = avatar_of(app, users["customer"])
    assert store.files() == avatar_files_of(key)
    assert full_name(app, users["customer"]) == "Carl C."


def test_one_audit_entry_tells_the_avatar_and_the_fields_changed(app, admin_client, users, store):
    old = give_avatar(app, users["customer"])
    response = edit_profile(admin_client, app, users["customer"], jpeg(), full_name="Carl C.")
    assert response.status_code == 302
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditLog).where(AuditLog.model == "UserProfile"))
        assert entry.changes == {
            "avatar": {"before": old, "after": avatar_of(app, users["customer"])},
            "full_name": {"before": "Carl Customer", "after": "Carl C."},
        }


def test_admin_replacing_an_avatar_removes_the_old_files(app, admin_client, users, store):
    old = give_avatar(app, users["customer"])
    assert edit_profile(admin_client, app, users["customer"], jpeg()).status_code == 302
    new = avatar_of(app, users["customer"])
    assert new != old
    assert store.files() == avatar_files_of(new)


def test_admin_removes_an_avatar_with_the_checkbox(app, admin_client, users, store):
    give_avatar(app, users["customer"])
    page = admin_client.get(f"/admin/userprofile/edit/?id={profile_id(app, users['customer'])}")
    assert 'name="avatar-remove"' in page.get_data(as_text=True)
    response = edit_profile(admin_client, app, users["customer"], **{"avatar-remove": "y"})
    assert response.status_code == 302
    assert avatar_of(app, users["customer"]) is None
    assert store.files() == []


@local_only
def test_saving_other_fields_keeps_the_avatar(app, admin_client, users, store):
    key = give_avatar(app, users["customer"])
    assert edit_profile(admin_client, app, users["customer"], full_name="New").status_code == 302
    assert avatar_of(app, users["customer"]) == key
    assert store.files() == avatar_files_of(key)


@local_only
def test_refused_file_is_a_form_error_and_nothing_changes(app, admin_client, users, store):
    key = give_avatar(app, users["customer"])
    script = b"<script>alert(1)</script>"
    response = edit_profile(admin_client, app, users["customer"], script, full_name="Changed")
    assert response.status_code == 200
    assert NOT_AN_IMAGE in response.get_data(as_text=True)
    assert avatar_of(app, users["customer"]) == key
    assert full_name(app, users["customer"]) == "Carl Customer"
    assert store.files() == avatar_files_of(key)


@local_only
def test_a_key_sent_as_text_is_ignored(app, admin_client, users, store):
    # Flask-Admin's ImageUploadField trusts a hidden input with the stored name; ours
    # never reads a key from the request.
    staff_key = give_avatar(app, users["staff"])
    for value in (staff_key, "../../etc/passwd"):
        response = edit_profile(admin_client, app, users["customer"], avatar=value)
        assert response.status_code == 302
        assert avatar_of(app, users["customer"]) is None
    assert store.files() == avatar_files_of(staff_key)


@local_only
def test_staff_cannot_change_avatars(app, staff_client, users, store):
    key = give_avatar(app, users["customer"])
    edit_url = f"/admin/userprofile/edit/?id={profile_id(app, users['customer'])}"
    assert staff_client.get(edit_url).status_code == 403
    response = edit_profile(staff_client, app, users["customer"], jpeg())
    assert response.status_code == 403
    response = edit_profile(staff_client, app, users["customer"], **{"avatar-remove": "y"})
    assert response.status_code == 403
    assert avatar_of(app, users["customer"]) == key
    assert store.files() == avatar_files_of(key)


@pytest.mark.parametrize("store", ["ftp"], indirect=True)
def test_file_store_outage_saves_nothing(app, admin_client, users, store):
    key = give_avatar(app, users["customer"])
    store.server.stop()
    response = edit_profile(admin_client, app, users["customer"], jpeg(), full_name="Changed")
    assert response.status_code == 200
    assert "could not be saved because the file store is not available" in response.get_data(
        as_text=True
    )
    assert avatar_of(app, users["customer"]) == key
    assert full_name(app, users["customer"]) == "Carl Customer"
    assert store.files() == avatar_files_of(key)


@pytest.fixture
def profile_save_refused(app, is_postgres):
    """A database trigger that refuses to save a profile named 'refuse me'."""
    if is_postgres:
        create = [
            "CREATE FUNCTION refuse_profile() RETURNS trigger AS $$ BEGIN "
            "IF NEW.full_name = 'refuse me' THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_profile BEFORE UPDATE ON user_profiles "
            "FOR EACH ROW EXECUTE FUNCTION refuse_profile()",
        ]
        drop = ["DROP TRIGGER refuse_profile ON user_profiles", "DROP FUNCTION refuse_profile()"]
    else:
        create = [
            "CREATE TRIGGER refuse_profile BEFORE UPDATE ON user_profiles "
            "WHEN NEW.full_name = 'refuse me' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
        drop = ["DROP TRIGGER refuse_profile"]
    with temporary_ddl(app, create, drop):
        yield


@local_only
def test_database_refusing_the_save_removes_the_new_files(
    app, admin_client, users, store, profile_save_refused
):
    key = give_avatar(app, users["customer"])
    response = edit_profile(admin_client, app, users["customer"], jpeg(), full_name="refuse me")
    assert response.status_code == 200
    # SQLite's RAISE is an integrity error, PostgreSQL's an internal one: both refused.
    assert "not save" in response.get_data(as_text=True)
    assert avatar_of(app, users["customer"]) == key
    assert store.files() == avatar_files_of(key)


@local_only
def test_a_failed_transaction_removes_the_new_files(app, users, store, profile_save_refused):
    key = give_avatar(app, users["customer"])
    with app.app_context():
        profile = db.session.get(User, users["customer"]).profile
        set_avatar(profile, jpeg())
        profile.full_name = "refuse me"
        with pytest.raises(SQLAlchemyError):
            db.session.commit()
    assert avatar_of(app, users["customer"]) == key
    assert store.files() == avatar_files_of(key)


# --- lists ---------------------------------------------------------------------------------


def _count_queries(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@local_only
@pytest.mark.parametrize("url", ["/admin/user/", "/admin/userprofile/"])
def test_lists_show_thumbnails_without_a_query_per_row(app, staff_client, users, store, url):
    keys = [give_avatar(app, uid) for uid in users.values()]
    page = staff_client.get(url).get_data(as_text=True)
    for key in keys:
        assert f'src="/media/{thumbnail_key(key)}"' in page
    before = _count_queries(app, staff_client, url)
    for i in range(6):
        give_avatar(app, add_user(app, f"more{i}@example.com", full_name=f"More {i}"))
    assert _count_queries(app, staff_client, url) == before


# --- deleting (erasing) users --------------------------------------------------------------


def test_deleting_a_user_in_the_admin_removes_their_files(app, admin_client, store):
    uid = add_user(app, "leaver@example.com", full_name="Lee Ver")
    key = give_avatar(app, uid)
    response = admin_client.post(
        "/admin/user/delete/", data={"id": uid, "csrf_token": csrf_token(admin_client)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).erased_at is not None
    assert avatar_of(app, uid) is None
    assert key not in store.files()
    assert store.files() == []


@local_only
def test_refused_user_delete_keeps_the_files(app, admin_client, users, store):
    key = give_avatar(app, users["admin"])
    response = admin_client.post(
        "/admin/user/delete/",
        data={"id": users["admin"], "csrf_token": csrf_token(admin_client)},
        follow_redirects=True,
    )
    assert "You cannot do that to your own account." in response.get_data(as_text=True)
    assert avatar_of(app, users["admin"]) == key
    assert store.files() == avatar_files_of(key)
