"""Every kind of page, as served: a title, a label on every field, alt text on every
image, one top-level heading, and the one house layout (error pages included)."""

from __future__ import annotations

import re

import pytest
from flask import abort

from backoffice.extensions import db
from backoffice.models import AuditLog
from tests.admin.bulk_helpers import bulk
from tests.support.http import csrf_token, login
from tests.support.page_audit import audit

ANONYMOUS = ("/", "/login", "/register", "/reset", "/confirm")
CUSTOMER = (
    "/account/",
    "/account/profile",
    "/account/orders",
    "/account/orders/{order}",
    "/account/avatar/",
    "/change",
)
ADMIN = (
    "/admin/",
    "/admin/user/",
    "/admin/user/?search=example&flt0_role_equals=admin",
    "/admin/user/new/",
    "/admin/user/edit/?id={customer}",
    "/admin/user/details/?id={customer}",
    "/admin/userprofile/",
    "/admin/userprofile/edit/?id={userprofile}",
    "/admin/product/",
    "/admin/product/new/",
    "/admin/product/edit/?id={product}",
    "/admin/book/",
    "/admin/book/new/",
    "/admin/book/edit/?id={book}",
    "/admin/order/",
    "/admin/order/?flt0_status_equals=paid",
    "/admin/order/new/",
    "/admin/order/edit/?id={order}",
    "/admin/order/details/?id={order}",
    "/admin/auditlog/",
    "/admin/auditlog/details/?id={audit}",
)


def assert_accessible(client, path: str, status: int = 200) -> str:
    """GET ``path``; it answers ``status`` and passes the page audit. Returns the HTML."""
    response = client.get(path)
    assert response.status_code == status, path
    page = response.get_data(as_text=True)
    assert audit(page).problems() == [], path
    return page


def ids(app, users, catalog) -> dict:
    """The ids the page addresses need."""
    with app.app_context():
        entry = db.session.scalar(db.select(AuditLog.id).limit(1))
    return {**catalog, "customer": users["customer"], "audit": entry}


def test_public_pages(client):
    for path in ANONYMOUS:
        assert_accessible(client, path)


def test_customer_pages(app, customer_client, users, catalog):
    for path in CUSTOMER:
        assert_accessible(customer_client, path.format(**ids(app, users, catalog)))


def test_admin_pages(app, admin_client, users, catalog):
    login(admin_client, "admin@example.com")  # an audit entry to show
    for path in ADMIN:
        assert_accessible(admin_client, path.format(**ids(app, users, catalog)))


def test_bulk_confirmation_page_with_a_parameter(admin_client, catalog):
    response = bulk(
        admin_client, "product", "adjust_stock", rows=[catalog["product"]], step="confirm"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert audit(page).problems() == []
    assert "<title>Confirm · Products · Backoffice</title>" in page


def test_titles_name_the_page(app, admin_client, users, catalog):
    expected = {
        "/admin/": "Dashboard · Backoffice",
        "/admin/order/": "Orders · Backoffice",
        "/admin/order/new/": "New · Orders · Backoffice",
        f"/admin/order/edit/?id={catalog['order']}": "Edit · Orders · Backoffice",
        "/account/": "Your account · Backoffice",
        "/change": "Change password · Backoffice",
    }
    for path, title in expected.items():
        assert audit(admin_client.get(path).get_data(as_text=True)).title == title, path


# --- error pages: the house layout for every code, never a framework default -----------


def assert_error_page(response, code: int, heading: str) -> None:
    """Status, title, the layout's navbar and stylesheet, the heading, nothing unlabelled."""
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert f"<title>{code} · Backoffice</title>" in page
    assert 'aria-label="Main"' in page
    assert "/static/css/app.css" in page
    assert re.search(rf"<h1[^>]*>{heading}</h1>", page)
    assert audit(page).problems() == []


def test_403_and_404(customer_client):
    assert_error_page(customer_client.get("/admin/"), 403, "Forbidden")
    assert_error_page(customer_client.get("/no/such/page"), 404, "Page not found")


@pytest.mark.config(MAX_CONTENT_LENGTH=1024)
def test_413(client):
    assert_error_page(client.post("/login", data={"x": "a" * 5000}), 413, "Upload too large")


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1/minute")
def test_429_from_the_limiter(client):
    data = {"email": "nobody@example.com", "password": "wrong"}
    assert client.post("/login", data={**data, "csrf_token": csrf_token(client)}).status_code == 200
    response = client.post("/login", data={**data, "csrf_token": csrf_token(client)})
    assert_error_page(response, 429, "Too many requests")
    assert response.headers["Retry-After"]


@pytest.mark.config(PROPAGATE_EXCEPTIONS=False)
def test_500_and_503(app, client):
    @app.get("/broken")
    def broken():
        raise RuntimeError("internals")

    @app.get("/down")
    def down():
        abort(503, description="The file store is not available right now; try again later.")

    assert_error_page(client.get("/broken"), 500, "Server error")
    response = client.get("/down")
    assert_error_page(response, 503, "Service unavailable")
    assert "The file store is not available right now" in response.get_data(as_text=True)
