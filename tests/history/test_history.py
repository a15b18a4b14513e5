"""The History tab of each admin model's details page: the record's audit entries."""

from __future__ import annotations

import re

import pytest

from tests.admin.crud_helpers import PRODUCT, errors_in, submit
from tests.support.factories import add_product


def edit_price(client, product_id: int, price: str):
    data = dict(PRODUCT, price=price, stock="10", stock_seen="10")
    response = submit(client, f"/admin/product/edit/?id={product_id}", data)
    assert response.status_code == 302, errors_in(response)
    return response


def prices(page: str) -> list[str]:
    """The "after" prices of the page's entries, top to bottom."""
    return re.findall(r"<code>price</code>: <span class=\"audit-before\">[^<]*</span> → "
                      r"<span class=\"audit-after\">([^<]*)</span>", page)  # fmt: skip


def test_history_is_newest_first_and_paginated(app, staff_client):
    product = add_product(app, sku="PEN-001")
    for cents in range(1, 26):
        edit_price(staff_client, product, f"10.{cents:02d}")
    first = staff_client.get(f"/admin/product/history/?id={product}").text
    assert "25 entries, newest first." in first
    assert prices(first) == [f"10.{c:02d}" for c in range(25, 5, -1)]
    assert "Page 1 of 2" in first
    second = staff_client.get(f"/admin/product/history/?id={product}&page=2").text
    assert prices(second) == [f"10.{c:02d}" for c in range(5, 0, -1)]
    # A page that cannot be one is the first; past the end, the last.
    assert prices(staff_client.get(f"/admin/product/history/?id={product}&page=x").text) == (
        prices(first)
    )
    assert prices(staff_client.get(f"/admin/product/history/?id={product}&page=9").text) == (
        prices(second)
    )
    details = staff_client.get(f"/admin/product/details/?id={product}").text
    assert f"/admin/product/history/?id={product}" in details


def test_secrets_stay_redacted(app, admin_client, users):
    assert "History" in admin_client.get(f"/admin/user/details/?id={users['customer']}").text
    history = admin_client.get(f"/admin/user/history/?id={users['customer']}")
    assert history.status_code == 200
    assert "$2b$" not in history.text  # never a hash


@pytest.mark.parametrize("view", ["user", "userprofile", "product", "book", "order"])
def test_every_model_has_a_history_tab(app, admin_client, catalog, users, view):
    record = users["customer"] if view == "user" else catalog[view]
    response = admin_client.get(f"/admin/{view}/history/?id={record}")
    assert response.status_code == 200
    assert 'aria-current="page">History</a>' in response.text


def test_history_is_refused_to_whoever_cannot_see_the_record(app, client, catalog, users):
    from tests.support.http import login

    assert client.get(f"/admin/product/history/?id={catalog['product']}").status_code == 302
    assert login(client, "customer@example.com").status_code == 302
    assert client.get(f"/admin/product/history/?id={catalog['product']}").status_code == 403


@pytest.mark.parametrize("bad", ["abc", "0", " 1", "1.0", "99999999999", "424242"])
def test_a_bad_or_unknown_id_is_a_404(app, staff_client, catalog, bad):
    assert staff_client.get(f"/admin/product/history/?id={bad}").status_code == 404


def test_the_audit_log_has_no_history_of_its_own(app, admin_client):
    assert admin_client.get("/admin/auditlog/history/?id=1").status_code == 404
