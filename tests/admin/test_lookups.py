"""Relation lookups: prefix search, only usable customers, staff only."""

from __future__ import annotations

import pytest

from backoffice.extensions import db
from backoffice.models import Product, User
from backoffice.permissions import ROLE_DESCRIPTIONS, ROLE_PERMISSIONS
from tests.admin.listing import forget_statistics, full_scans, plans, recorded_sql
from tests.support.factories import add_product, add_user
from tests.support.http import login

LOOKUP = "/admin/order/ajax/lookup/?name=user&query="


def names(response) -> list[str]:
    return [label for _id, label in response.json]


def test_lookup_matches_email_or_username_prefix_case_insensitively(app, staff_client, users):
    add_user(app, "zoe@example.com", username="zedd")
    add_user(app, "zack@example.com", username="other")
    assert names(staff_client.get(LOOKUP + "ZO")) == ["zoe@example.com"]
    assert names(staff_client.get(LOOKUP + "zed")) == ["zoe@example.com"]
    assert names(staff_client.get(LOOKUP + "za")) == ["zack@example.com"]
    # a prefix, not a substring: "example" is in every address but starts none
    assert names(staff_client.get(LOOKUP + "example")) == []


def test_lookup_skips_suspended_and_erased_accounts(app, staff_client, users):
    add_user(app, "zed.gone@example.com")
    add_user(app, "zed.away@example.com")
    add_user(app, "zed.here@example.com")
    with app.app_context():
        away = db.session.scalar(db.select(User).where(User.email == "zed.away@example.com"))
        away.active = False
        gone = db.session.scalar(db.select(User).where(User.email == "zed.gone@example.com"))
        gone.erased_at = gone.created_at
        db.session.commit()
    assert names(staff_client.get(LOOKUP + "zed")) == ["zed.here@example.com"]


def test_lookup_pages_results_and_caps_the_page_size(app, staff_client, users):
    for n in range(60):
        add_user(app, f"bulk{n:02d}@example.com")
    first = names(staff_client.get(LOOKUP + "bulk"))
    assert first == [f"bulk{n:02d}@example.com" for n in range(10)]
    second = names(staff_client.get(LOOKUP + "bulk&offset=10&limit=5"))
    assert second == [f"bulk{n:02d}@example.com" for n in range(10, 15)]
    assert len(names(staff_client.get(LOOKUP + "bulk&limit=100000"))) == 50


def test_lookup_is_for_staff_only(app, client, users):
    assert client.get(LOOKUP + "a").status_code == 302
    login(client, "customer@example.com")
    assert client.get(LOOKUP + "a").status_code == 403


# -- order item → product -----------------------------------------------------------------

PRODUCTS = "/admin/order/ajax/lookup/?name=orderitem-product&query="


def test_product_lookup_matches_a_name_or_sku_prefix_in_any_case(app, staff_client, users):
    add_product(app, "LAMP-01", name="Desk Lamp")
    add_product(app, "DESK-9", name="Standing desk")
    add_product(app, "MUG-1", name="Élan Mug")
    assert names(staff_client.get(PRODUCTS + "STAND")) == ["Standing desk (DESK-9)"]
    assert names(staff_client.get(PRODUCTS + "desk")) == [
        "Desk Lamp (LAMP-01)",  # by its name
        "Standing desk (DESK-9)",  # by its SKU
    ]
    assert names(staff_client.get(PRODUCTS + "lamp-")) == ["Desk Lamp (LAMP-01)"]
    assert names(staff_client.get(PRODUCTS + "élan")) == ["Élan Mug (MUG-1)"]
    # a prefix, not a substring
    assert names(staff_client.get(PRODUCTS + "amp")) == []


def test_product_lookup_follows_renames(app, staff_client, users):
    product = add_product(app, "LAMP-01", name="Desk Lamp")
    with app.app_context():
        db.session.get(Product, product).name = "Reading Light"
        db.session.commit()
    assert names(staff_client.get(PRODUCTS + "desk")) == []
    assert names(staff_client.get(PRODUCTS + "READ")) == ["Reading Light (LAMP-01)"]


def test_product_lookup_offers_only_products_on_sale(app, staff_client, users):
    add_product(app, "LAMP-01", name="Desk Lamp")
    add_product(app, "LAMP-02", name="Desk Lamp", is_available=False)
    assert names(staff_client.get(PRODUCTS + "desk")) == ["Desk Lamp (LAMP-01)"]


def test_product_lookup_pages_results_and_caps_the_page_size(app, staff_client, users):
    for n in range(60):
        add_product(app, f"P-{n:02d}", name="Pen")  # equal names: the id orders them
    first = names(staff_client.get(PRODUCTS + "pen"))
    second = names(staff_client.get(PRODUCTS + "pen&offset=10&limit=5"))
    assert first == [f"Pen (P-{n:02d})" for n in range(10)]
    assert second == [f"Pen (P-{n:02d})" for n in range(10, 15)]
    assert len(names(staff_client.get(PRODUCTS + "pen&limit=100000"))) == 50


@pytest.mark.parametrize("url", [LOOKUP, PRODUCTS])
def test_lookups_use_an_index(app, staff_client, users, url):
    """A keystroke is an index range scan of users or products, never a full read."""
    add_product(app, "LAMP-01", name="Desk Lamp")
    forget_statistics(app)
    with recorded_sql(app) as seen:
        assert staff_client.get(url + "de").status_code == 200
    assert {"users", "products"} & full_scans(plans(app, seen)) == set()


@pytest.mark.parametrize("url", [LOOKUP, PRODUCTS])
def test_lookups_need_the_right_to_fill_in_orders(app, client, users, url, monkeypatch):
    assert client.get(url + "a").status_code == 302  # anonymous: log in first
    assert login(client, "customer@example.com").status_code == 302
    assert client.get(url + "a").status_code == 403  # no staff role
    # A role that may read orders but not place them (no such role ships; the check
    # stands on its own): the list opens, the lookups do not.
    monkeypatch.setitem(ROLE_PERMISSIONS, "auditor", frozenset({"admin.access", "orders.read"}))
    monkeypatch.setitem(ROLE_DESCRIPTIONS, "auditor", "Reads orders.")
    add_user(app, "auditor@example.com", roles=["auditor"])
    reader = app.test_client()
    assert login(reader, "auditor@example.com").status_code == 302
    assert reader.get("/admin/order/").status_code == 200
    assert reader.get(url + "a").status_code == 403


def test_an_unknown_lookup_is_not_found(staff_client, users):
    assert staff_client.get("/admin/order/ajax/lookup/?name=nope&query=a").status_code == 404
    assert staff_client.get("/admin/product/ajax/lookup/?name=user&query=a").status_code == 404


def test_no_filter_lists_a_whole_table(app):
    """Filter choices are fixed lists (statuses, roles), never rows read from a table."""
    with app.test_request_context("/"), recorded_sql(app) as seen:
        for view in app.extensions["backoffice_admin"]._views:
            for flt in getattr(view, "_filters", None) or ():
                options = flt.get_options(view)
                assert options is None or len(options) <= 10, (view.endpoint, flt.name)
    assert seen == []
