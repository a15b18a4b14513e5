"""The end-user area under /account: every page behind the login wall, own data only.

Nothing here takes a user id from the request: queries are scoped to the signed-in
user, so another user's order id answers 404 exactly like a missing one.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_security import auth_required, current_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from backoffice import clock
from backoffice.account.forms import (
    DeleteAccountForm,
    ProfileForm,
    ShippingUpdatesForm,
    SignOutEverywhereForm,
)
from backoffice.extensions import db
from backoffice.models import Order, OrderItem, ensure_profile
from backoffice.ranges import int_range, page_number
from backoffice.services import audit, sessions
from backoffice.services.accounts import AccountError
from backoffice.services.erasure import erase_user
from backoffice.services.notifications import set_shipping_updates
from backoffice.services.order_timeline import customer_timeline
from backoffice.services.profiles import OWN_FIELDS, update_profile

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@auth_required()
def overview():
    """The signed-in user's own summary page."""
    return _overview(current_user, DeleteAccountForm())


def _overview(user, delete_form, status: int = 200):
    updates = ShippingUpdatesForm(shipping_updates="on" if user.shipping_updates else "off")
    page = render_template(
        "account/overview.html",
        user=user,
        delete_form=delete_form,
        updates_form=updates,
        sign_out_form=SignOutEverywhereForm(),
    )
    return page, status


@bp.post("/notifications")
@auth_required()
def notifications():
    """Turn the shipping-update mails on or off for oneself."""
    form = ShippingUpdatesForm()
    if not form.validate_on_submit():
        abort(400)
    set_shipping_updates(current_user._get_current_object(), form.shipping_updates.data == "on")
    db.session.commit()
    flash("Your mail settings were saved.", "success")
    return redirect(url_for(".overview"))


@bp.post("/sign-out-everywhere")
@auth_required()
def sign_out_everywhere():
    """End every session of one's own account, this one included (a lost phone, a shared PC)."""
    if not SignOutEverywhereForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    sessions.end_everywhere(user, clock.now())
    audit.record("sign_out_everywhere", model="User", object_id=user.id, actor=user)
    db.session.commit()
    logout_user()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("security.login"))


@bp.route("/profile", methods=("GET", "POST"))
@auth_required()
def profile():
    """Edit one's own profile; field errors come back on the form, nothing half-saved."""
    user = current_user._get_current_object()
    own = ensure_profile(user)
    form = ProfileForm(obj=own)
    if form.validate_on_submit():
        update_profile(user, own, {name: form[name].data for name in OWN_FIELDS})
        db.session.commit()
        flash("Your profile was saved.", "success")
        return redirect(url_for(".overview"))
    status = 400 if form.errors else 200
    return render_template("account/profile.html", form=form), status


def _own_orders():
    """Only the signed-in user's orders, newest first, items and products eager-loaded."""
    return (
        select(Order)
        .where(Order.user_id == current_user.id)
        .options(selectinload(Order.items).joinedload(OrderItem.product))
        .order_by(Order.created_at.desc(), Order.id.desc())
    )


@bp.get("/orders")
@auth_required()
def orders():
    """Own orders with their items and totals, paginated (a page that cannot be one: page 1)."""
    per_page = current_app.config["ACCOUNT_ORDERS_PER_PAGE"]
    page = db.paginate(
        _own_orders(),
        page=page_number(request.args.get("page"), first=1, page_size=per_page),
        per_page=per_page,
        max_per_page=100,
        error_out=False,
    )
    return render_template("account/orders.html", page=page)


# An id the column cannot hold matches no route: a 404 before any query (not an overflow).
@bp.get(f"/orders/<int(min=1, max={int_range(Order.id)[1]}):order_id>")
@auth_required()
def order(order_id: int):
    """One own order; anybody else's is a 404."""
    found = db.session.scalar(
        _own_orders()
        .where(Order.id == order_id)
        .options(joinedload(Order.user), selectinload(Order.notifications))
    )
    if found is None:
        abort(404)
    return render_template("account/order.html", order=found, timeline=customer_timeline(found))


@bp.post("/delete")
@auth_required()
def delete():
    """Erase one's own account after the password is confirmed; orders are kept."""
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not user.verify_and_update_password(form.password.data):
            user.track_failed_authn("password")  # counts towards the lockout like a login
            form.password.errors.append("That is not your password.")
        else:
            try:
                erase_user(user, user, self_service=True)
            except AccountError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return redirect(url_for(".overview"))
            db.session.commit()
            logout_user()
            flash("Your account was deleted. Orders you placed are kept for our books.", "info")
            return redirect(url_for("web.home"))
    return _overview(user, form, 400)
