"""The bulk-action framework: ticked rows or all matches, confirmation, CSRF, rights, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, Product
from tests.support.factories import add_product
from tests.support.http import csrf_token


@pytest.fixture
def products(app):
    ids = {
        "home_on": add_product(app, sku="H1", category="home", is_available=True),
        "home_off": add_product(app, sku="H2", category="home", is_available=False),
        "home_off2": add_product(app, sku="H3", category="home", is_available=False),
        "toy_off": add_product(app, sku="T1", category="toys", is_available=False),
    }
    return ids


def availability(app) -> dict[str, bool]:
    with app.app_context():
        return dict(db.session.execute(select(Product.sku, Product.is_available)).all())


def bulk(client, step, data, query=""):
    payload = dict(data, csrf_token=csrf_token(client))
    url = f"/admin/product/bulk/{'apply' if step == 'apply' else ''}{query}"
    return client.post(url, data=payload)


def test_confirmation_page_shows_the_count_and_changes_nothing(app, staff_client, products):
    response = bulk(
        staff_client,
        "confirm",
        {"action": "make_available", "scope": "all"},
        "?flt0_category_equals=home",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Apply to all 3 matching products" in page
    assert availability(app)["H2"] is False


def test_ticked_rows(app, staff_client, products):
    response = bulk(
        staff_client,
        "apply",
        {
            "action": "make_available",
            "scope": "selected",
            "rowid": [products["home_on"], products["toy_off"]],
        },
    )
    assert response.status_code == 302
    assert availability(app) == {"H1": True, "H2": False, "H3": False, "T1": True}
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Make available: 1 changed, 1 skipped (1 already available)." in page


def test_all_matching_the_filter_and_search(app, staff_client, products):
    response = bulk(
        staff_client,
        "apply",
        {"action": "make_available", "scope": "all"},
        "?flt0_category_equals=home",
    )
    assert response.status_code == 302
    assert "flt0_category_equals=home" in response.headers["Location"]
    assert availability(app) == {"H1": True, "H2": True, "H3": True, "T1": False}
    bulk(staff_client, "apply", {"action": "make_unavailable", "scope": "all"}, "?search=H3")
    assert availability(app) == {"H1": True, "H2": True, "H3": False, "T1": False}


def test_action_is_audited(app, staff_client, products, users):
    bulk(staff_client, "apply", {"action": "make_available", "scope": "all"})
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action.like("bulk:%")))
        assert entry.action == "bulk:make_available"
        assert entry.actor_id == users["staff"]
        assert entry.changes["changed"] == 3
        assert entry.changes["skipped"] == {"already available": 1}
        assert entry.ip == "127.0.0.1"


def test_without_csrf_nothing_changes(app, staff_client, products):
    response = staff_client.post(
        "/admin/product/bulk/apply", data={"action": "make_available", "scope": "all"}
    )
    assert response.status_code == 400
    assert availability(app)["H2"] is False


def test_customer_and_anonymous_are_refused(app, client, customer_client, products):
    response = bulk(customer_client, "apply", {"action": "make_available", "scope": "all"})
    assert response.status_code == 403
    anonymous = app.test_client()
    response = bulk(anonymous, "apply", {"action": "make_available", "scope": "all"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert availability(app)["H2"] is False


@pytest.mark.parametrize(
    "data",
    [
        {"action": "drop_tables", "scope": "all"},
        {"action": "make_available", "scope": "selected", "rowid": ["1 OR 1=1"]},
    ],
)
def test_bad_requests_are_400(app, staff_client, products, data):
    assert bulk(staff_client, "apply", data).status_code == 400
    assert availability(app)["H2"] is False


def test_nothing_ticked_is_a_message_not_an_error(app, staff_client, products):
    response = bulk(staff_client, "confirm", {"action": "make_available", "scope": "selected"})
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Select at least one row" in page


def test_list_offers_the_actions_without_javascript(staff_client, products):
    page = staff_client.get("/admin/product/").get_data(as_text=True)
    assert 'id="bulk-form"' in page
    assert 'form="bulk-form"' in page  # row checkboxes belong to the form
    assert "on all 4 matching products" in page
