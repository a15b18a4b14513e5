"""End users upload, replace and remove their picture at /account/avatar/."""

from __future__ import annotations

import io
import re

import pytest

from backoffice.extensions import db
from backoffice.models import User
from backoffice.services.erasure import erase_user
from backoffice.services.images import CORRUPT, EMPTY, NOT_AN_IMAGE
from tests.avatars.conftest import avatar_files_of, avatar_of, give_avatar, jpeg, upload
from tests.support import samples
from tests.support.factories import PASSWORD
from tests.support.http import csrf_token, login
from tests.support.samples import ACCEPTED, CORRUPTED, REFUSED, assert_clean_webp, decode

local_only = pytest.mark.parametrize("store", ["local"], indirect=True)


def test_upload_stores_image_and_thumbnail_and_points_the_profile_at_them(
    app, customer_client, users, store
):
    response = upload(customer_client, jpeg((900, 600)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/avatar/")
    key = avatar_of(app, users["customer"])
    assert key.startswith("avatars/")
    assert key.endswith(".webp")
    assert "me" not in key  # never the uploaded file name
    assert store.files() == avatar_files_of(key)
    image = assert_clean_webp(store.read(key))
    assert image.size == (512, 341)
    assert decode(store.read(key.replace(".webp", "-thumb.webp"))).size == (128, 128)
    page = customer_client.get("/account/avatar/").get_data(as_text=True)
    assert "Your picture was updated." in page
    assert f'src="/media/{key}"' in page


def test_replacing_removes_the_old_files(app, customer_client, users, store):
    upload(customer_client, jpeg())
    first = avatar_of(app, users["customer"])
    assert upload(customer_client, jpeg((64, 64))).status_code == 302
    second = avatar_of(app, users["customer"])
    assert second != first
    assert store.files() == avatar_files_of(second)


def test_remove_deletes_files_and_clears_the_profile(app, customer_client, users, store):
    upload(customer_client, jpeg())
    response = customer_client.post(
        "/account/avatar/remove", data={"csrf_token": csrf_token(customer_client, "/account/")}
    )
    assert response.status_code == 302
    assert avatar_of(app, users["customer"]) is None
    assert store.files() == []
    page = customer_client.get("/account/avatar/").get_data(as_text=True)
    assert "Your picture was removed." in page
    assert "You have no picture yet." in page


@local_only
def test_remove_without_csrf_token_changes_nothing(app, customer_client, users, store):
    key = give_avatar(app, users["customer"])
    assert customer_client.post("/account/avatar/remove").status_code == 400
    assert avatar_of(app, users["customer"]) == key
    assert store.files() == avatar_files_of(key)


@local_only
def test_upload_without_csrf_token_is_refused(app, customer_client, users, store):
    response = customer_client.post(
        "/account/avatar/",
        data={"avatar": (io.BytesIO(jpeg()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert avatar_of(app, users["customer"]) is None
    assert store.files() == []


@local_only
def test_a_user_only_ever_changes_their_own_picture(app, client, users, store):
    staff_key = give_avatar(app, users["staff"])
    assert login(client, "customer@example.com").status_code == 302
    upload(client, jpeg())
    assert avatar_of(app, users["staff"]) == staff_key
    assert avatar_of(app, users["customer"]) not in (None, staff_key)


@local_only
def test_anonymous_visitors_are_sent_to_login(client, store):
    response = client.get("/account/avatar/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert store.files() == []


@local_only
def test_page_offers_an_image_file_input_and_both_forms_carry_csrf(app, customer_client, users):
    give_avatar(app, users["customer"])
    page = customer_client.get("/account/avatar/").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
    assert 'accept="image/*"' in page
    assert page.count('name="csrf_token"') >= 3  # upload, remove, logout
    assert "Remove picture" in page


@local_only
def test_overview_links_to_the_picture_page(app, customer_client, users):
    page = customer_client.get("/account/").get_data(as_text=True)
    assert 'href="/account/avatar/"' in page
    assert "Add a picture" in page
    key = give_avatar(app, users["customer"])
    page = customer_client.get("/account/").get_data(as_text=True)
    assert f'src="/media/{key}"' in page
    assert "Change picture" in page


# --- every accepted format and every refusal, through the real endpoint ---------------


# One app and login per group, one subtest per file: the same endpoint, much faster.


@local_only
def test_every_accepted_format(app, customer_client, users, store, subtests):
    for name, make in ACCEPTED.items():
        with subtests.test(format=name):
            assert upload(customer_client, make(), "picture.bin").status_code == 302
            key = avatar_of(app, users["customer"])
            assert store.files() == avatar_files_of(key)  # the previous one is gone
            assert_clean_webp(store.read(key))


def _refused(app, client, users, store, data, message, filename="me.png"):
    old = avatar_of(app, users["customer"]) or give_avatar(app, users["customer"])
    response = upload(client, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert avatar_of(app, users["customer"]) == old  # nothing changed
    assert store.files() == avatar_files_of(old)  # nothing stored


@local_only
def test_non_images_are_refused_and_nothing_is_stored(app, customer_client, users, store, subtests):
    for name, data in REFUSED.items():
        with subtests.test(file=name):
            _refused(app, customer_client, users, store, data, NOT_AN_IMAGE)


@local_only
def test_truncated_and_corrupt_files_are_refused(app, customer_client, users, store, subtests):
    for name, data in CORRUPTED.items():
        with subtests.test(file=name):
            _refused(app, customer_client, users, store, data, CORRUPT)


@local_only
def test_empty_file_is_refused(app, customer_client, users, store):
    _refused(app, customer_client, users, store, b"", EMPTY)


@local_only
def test_decompression_bomb_is_refused(app, customer_client, users, store):
    _refused(app, customer_client, users, store, samples.png_bomb(12_000), "too large")


@local_only
@pytest.mark.config(AVATAR_MAX_PIXELS=10_000)
def test_avatar_max_pixels_setting_is_applied(app, customer_client, users, store):
    message = "too large (200×100 pixels); the limit is 0.01 megapixels"
    _refused(app, customer_client, users, store, samples.encode(samples.halves(), "PNG"), message)
    assert (
        upload(customer_client, samples.encode(samples.solid((100, 100)), "PNG")).status_code == 302
    )


@local_only
def test_gps_and_orientation_through_the_endpoint(app, customer_client, users, store):
    assert upload(customer_client, samples.camera_jpeg()).status_code == 302
    stored = store.read(avatar_of(app, users["customer"]))
    assert decode(stored).size == (100, 200)  # EXIF orientation applied
    assert_clean_webp(stored)  # GPS, XMP, ICC and comment gone
    assert b"PhoneCo" not in stored


@local_only
def test_missing_file_is_a_form_error(app, customer_client, users, store):
    response = customer_client.post(
        "/account/avatar/",
        data={"csrf_token": csrf_token(customer_client, "/account/")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose an image file to upload." in response.get_data(as_text=True)
    assert store.files() == []


@local_only
def test_new_pages_keep_the_csp_rules(app, admin_client, users):
    give_avatar(app, users["admin"])
    with app.app_context():
        pid = db.session.get(User, users["admin"]).profile.id
    for path in ("/account/avatar/", "/account/", f"/admin/userprofile/edit/?id={pid}"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        page = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert f'nonce="{nonce}"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=\"", page), path
        assert "/media/avatars/" in page, path  # the current picture is shown


def test_erasing_ones_own_account_removes_the_files(app, customer_client, users, store):
    key = give_avatar(app, users["customer"])
    response = customer_client.post(
        "/account/delete",
        data={"password": PASSWORD, "csrf_token": csrf_token(customer_client, "/account/")},
    )
    assert response.status_code == 302
    assert avatar_of(app, users["customer"]) is None
    assert key not in "".join(store.files())
    assert store.files() == []


@local_only
def test_refused_erasure_keeps_the_files(app, admin_client, users, store):
    key = give_avatar(app, users["admin"])  # the last active admin may not erase themselves
    response = admin_client.post(
        "/account/delete",
        data={"password": PASSWORD, "csrf_token": csrf_token(admin_client, "/account/")},
    )
    assert response.status_code == 302
    assert avatar_of(app, users["admin"]) == key
    assert store.files() == avatar_files_of(key)


@local_only
def test_files_go_only_when_the_erasure_commits(app, users, store):
    key = give_avatar(app, users["customer"])
    with app.app_context():
        admin = db.session.get(User, users["admin"])
        erase_user(admin, db.session.get(User, users["customer"]))
        db.session.rollback()  # e.g. a later step of the same transaction failed
        assert store.files() == avatar_files_of(key)
        erase_user(admin, db.session.get(User, users["customer"]))
        assert store.files() == avatar_files_of(key)  # not before the commit
        db.session.commit()
    assert store.files() == []
    assert avatar_of(app, users["customer"]) is None
