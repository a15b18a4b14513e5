"""``/api/v1/me`` and ``/api/v1/me/orders``: a signed-in customer's own account and orders.

Customers authenticate with Flask-Security's auth token (from the JSON login with
``include_auth_token``), sent in its ``Authentication-Token`` header; API keys and
session cookies are not accepted here, and these two endpoints are all a token
reaches. The token is checked by Flask-Security's own request loader (expiry, the
account's uniquifier, active), so suspending an account or changing its password
ends its tokens as it ends its sessions.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import Blueprint, abort

from backoffice.api.common import PREFIX, PageArgs, no_store, page_schema
from backoffice.api.people import order_page
from backoffice.api.schemas import CustomerSchema, OrderSchema
from backoffice.models import Order

TOKEN_SCHEME = "customerToken"  # noqa: S105 - the OpenAPI scheme's name, not a secret

me = Blueprint("api_me", __name__, url_prefix=PREFIX + "/me", description="The customer's own.")


@me.before_request
def authenticate_customer() -> None:
    """401 unless the request carries a valid, current customer token."""
    header = current_app.config.get("SECURITY_TOKEN_AUTHENTICATION_HEADER", "Authentication-Token")
    user = None
    if request.headers.get(header):
        user = current_app.extensions["security"].login_manager.request_callback(request)
    if user is None or user.erased_at is not None:
        abort(
            401,
            message=f"Send your sign-in token in the {header} header (it expires: sign in again).",
        )
    g.customer = user


me.after_request(no_store)


@me.route("", methods=["GET"])
@me.response(200, CustomerSchema)
@me.doc(security=[{TOKEN_SCHEME: []}])
def my_account():
    """The signed-in customer's account."""
    return g.customer


@me.route("/orders", methods=["GET"])
@me.arguments(PageArgs, location="query")
@me.response(200, page_schema(OrderSchema, "MyOrderPage"))
@me.doc(security=[{TOKEN_SCHEME: []}])
def my_orders(args):
    """The signed-in customer's orders, oldest first, with their items."""
    return order_page(args, Order.user_id == g.customer.id)
