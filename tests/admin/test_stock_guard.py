"""An edit form never silently overwrites stock that changed while it was open."""

from __future__ import annotations

import re

from backoffice.extensions import db
from backoffice.models import Product
from backoffice.services.orders import place_order
from tests.support.factories import add_product
from tests.support.http import csrf_from


def open_form(client, pid):
    page = client.get(f"/admin/product/edit/?id={pid}").get_data(as_text=True)
    seen = re.search(
        r'name="stock_seen"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="stock_seen"', page
    )
    return csrf_from(page), next(g for g in seen.groups() if g)


def save(client, pid, token, seen, **changes):
    data = {
        "name": "Desk Lamp",
        "sku": "SKU-1",
        "category": "home",
        "price": "19.99",
        "stock": "10",
        "is_available": "y",
        "stock_seen": seen,
        "csrf_token": token,
    }
    data.update(changes)
    return client.post(f"/admin/product/edit/?id={pid}", data=data)


def stock(app, pid) -> int:
    with app.app_context():
        return db.session.get(Product, pid).stock


def sell(app, pid, users, quantity):
    with app.app_context():
        place_order(users["customer"], [(pid, quantity)], "1 High Street")
        db.session.commit()


def test_renaming_keeps_a_sale_made_while_the_form_was_open(app, staff_client, users):
    pid = add_product(app, stock=10)
    token, seen = open_form(staff_client, pid)
    sell(app, pid, users, 3)
    assert save(staff_client, pid, token, seen, name="Brass Lamp").status_code == 302
    with app.app_context():
        product = db.session.get(Product, pid)
        assert product.name == "Brass Lamp"
        assert product.stock == 7


def test_changing_stock_that_moved_meanwhile_is_refused_with_the_current_figure(
    app, staff_client, users
):
    pid = add_product(app, stock=10)
    token, seen = open_form(staff_client, pid)
    sell(app, pid, users, 3)
    response = save(staff_client, pid, token, seen, stock="50", name="Renamed")
    assert response.status_code == 200
    assert "Stock changed from 10 to 7" in response.get_data(as_text=True)
    with app.app_context():
        product = db.session.get(Product, pid)
        assert product.stock == 7
        assert product.name == "Desk Lamp"  # nothing was saved
    # the re-shown form carries the new figure, so saving again works
    token, seen = open_form(staff_client, pid)
    assert save(staff_client, pid, token, seen, stock="50").status_code == 302
    assert stock(app, pid) == 50


def test_plain_stock_edit_still_works(app, staff_client):
    pid = add_product(app, stock=10)
    token, seen = open_form(staff_client, pid)
    assert save(staff_client, pid, token, seen, stock="4").status_code == 302
    assert stock(app, pid) == 4


def test_missing_or_forged_seen_value_is_refused(app, staff_client):
    pid = add_product(app, stock=10)
    token, _ = open_form(staff_client, pid)
    response = save(staff_client, pid, token, "abc", stock="4")
    assert "reload the page" in response.get_data(as_text=True)
    assert stock(app, pid) == 10
