"""How pages read: times, names, the current menu item, the wording of forms and menus."""

from __future__ import annotations

import datetime as dt
import re

from backoffice.admin.formatting import sentence_case, utc_text
from backoffice.extensions import db
from backoffice.models import Order
from backoffice.services import audit
from tests.support.http import post_form

RAW_DATETIME = re.compile(r">\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00\s*<")


def test_sentence_case_keeps_acronyms():
    assert sentence_case("last_login_ip") == "Last login IP"
    assert sentence_case("created_at") == "Created at"
    assert sentence_case("user.email") == "User email"
    assert sentence_case("sku") == "SKU"


def test_utc_text_converts_and_drops_seconds():
    paris = dt.timezone(dt.timedelta(hours=1))
    assert utc_text(dt.datetime(2026, 11, 21, 6, 22, 1, 638316, tzinfo=paris)) == (
        "2026-11-21 05:22 UTC"
    )
    assert utc_text(dt.datetime(2026, 11, 21, 5, 22)) == "2026-11-21 05:22 UTC"  # naive = UTC


def test_lists_and_details_show_minutes_in_utc_with_the_exact_time_on_hover(
    app, admin_client, catalog
):
    with app.app_context():
        created = db.session.get(Order, catalog["order"]).created_at
    iso = created.astimezone(dt.UTC).isoformat()
    for path in ("/admin/order/", f"/admin/order/details/?id={catalog['order']}"):
        page = admin_client.get(path).get_data(as_text=True)
        assert f'<time datetime="{iso}" title="{iso}">{utc_text(created)}</time>' in page, path
        assert not RAW_DATETIME.search(page), path


def test_generated_names_are_in_sentence_case(admin_client, users, catalog):
    page = admin_client.get(f"/admin/user/details/?id={users['admin']}").get_data(as_text=True)
    assert "Last login IP" in page
    assert "Last Login Ip" not in page
    assert "Created at" in admin_client.get("/admin/order/").get_data(as_text=True)
    form = admin_client.get("/admin/order/new/").get_data(as_text=True)
    assert re.search(r"<label[^>]*>\s*Shipping address", form)


def test_order_form_names_one_line_an_item(admin_client):
    page = admin_client.get("/admin/order/new/").get_data(as_text=True)
    assert ">Add item</a>" in page
    assert "New Items" not in page
    assert "Add Items" not in page


def test_order_statuses_are_coloured_badges(admin_client, catalog):
    page = admin_client.get("/admin/order/").get_data(as_text=True)
    assert '<span class="badge badge-status-pending">Pending</span>' in page


def test_no_admin_menu_item_is_current_outside_the_admin(admin_client):
    menu = re.compile(r'<ul class="nav navbar-nav mr-auto admin-menu">(.*?)</ul>\s*\n', re.S)
    for path in ("/account/", "/change", "/", "/no/such/page"):
        page = admin_client.get(path).get_data(as_text=True)
        assert 'class="active' not in menu.search(page).group(1), path
    page = admin_client.get("/admin/order/").get_data(as_text=True)
    assert re.search(r'<li class="active">\s*<a class="nav-link[^"]*" href="/admin/order/"', page)


def test_sign_in_pages_do_not_link_to_themselves(client):
    links = re.compile(r'<nav class="mt-4 security-links".*?</nav>', re.S)
    for path, own in (("/login", "/login"), ("/register", "/register"), ("/reset", "/reset")):
        menu = links.search(client.get(path).get_data(as_text=True)).group(0)
        assert f'href="{own}"' not in menu, path
    login = client.get("/login").get_data(as_text=True)
    assert login.count("Forgot password?") == 1  # under the password field only
    assert 'value="Log in"' in login


def test_empty_lists_say_why(admin_client):
    assert "No orders yet." in admin_client.get("/admin/order/").get_data(as_text=True)
    page = admin_client.get("/admin/order/?search=nobody").get_data(as_text=True)
    assert "No orders match this search and these filters." in page


def test_status_toggle_says_what_happened(admin_client, users):
    response = post_form(
        admin_client,
        "/admin/user/toggle-active/",
        {"id": users["customer"], "url": "/admin/user/"},
        token_from="/admin/user/",
        follow_redirects=True,
    )
    assert "customer@example.com is suspended." in response.get_data(as_text=True)


def test_audit_entries_without_a_user_show_a_dash(app, admin_client):
    with app.app_context():
        audit.record("export", model="User", summary="from the command line")
        db.session.commit()
    page = admin_client.get("/admin/auditlog/?search=command").get_data(as_text=True)
    assert re.search(
        r'<td class="col-actor_email">\s*<span class="text-muted" title="No signed-in', page
    )
