"""The API keys page (/admin/api-keys/): list, create (the key is shown once), revoke.

Admins only (``api_keys.manage``): a key can read every customer and place orders.
Every change goes through ``services.api_keys``, as the ``api-key`` commands do; the
forms are POSTs with the CSRF token (CSRFProtect checks it before the view runs).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import select

from backoffice.admin.base import SecuredMixin
from backoffice.admin.fresh import fresh_required
from backoffice.extensions import db
from backoffice.models import ApiKey
from backoffice.ranges import parse_id
from backoffice.services.api_keys import (
    MAX_EXPIRY_DAYS,
    SCOPES,
    ApiKeyError,
    create_key,
    key_state,
    list_keys,
    revoke_key,
)


class ApiKeysView(SecuredMixin, BaseView):
    """Keys of the REST API's integrations."""

    read_permission = "api_keys.manage"

    def _page(self, *, created=None, raw_key=None, errors=None, status=200):
        response = self.render(
            "admin/api_keys.html",
            keys=list_keys(),
            key_state=key_state,
            scopes=SCOPES,
            max_days=MAX_EXPIRY_DAYS,
            created=created,
            raw_key=raw_key,
            errors=errors or {},
            form=request.form if errors else {},
        )
        return response, status, {"Cache-Control": "no-store"}

    @expose("/")
    def index_view(self):
        """Every key with its state, scopes, expiry and last use; the create form."""
        return self._page()

    @expose("/create", methods=["POST"])
    @fresh_required
    def create(self):
        """Create a key and show it once (the page is not stored: no-store)."""
        days_text = request.form.get("expires", "").strip()
        days = int(days_text) if days_text.isascii() and days_text.isdigit() else None
        errors = {}
        if days_text and (days is None or len(days_text) > 5):
            errors["expires"] = f"Expiry must be between 1 and {MAX_EXPIRY_DAYS} days."
            days = None
        try:
            key, raw = create_key(
                request.form.get("name", ""),
                request.form.getlist("scope"),
                expires_in_days=days,
                created_by=current_user._get_current_object(),
            )
        except ApiKeyError as exc:
            errors = {**exc.errors, **errors}
        if errors:
            db.session.rollback()
            return self._page(errors=errors, status=400)
        db.session.commit()
        return self._page(created=key, raw_key=raw)

    @expose("/<int:key_id>/revoke", methods=["POST"])
    def revoke(self, key_id: int):
        """Revoke a key: refused from its next request on."""
        row_id = parse_id(key_id, ApiKey.id)
        name = (
            None
            if row_id is None
            else db.session.scalar(select(ApiKey.name).where(ApiKey.id == row_id))
        )
        if name is None:
            abort(404)
        revoke_key(name, actor=current_user._get_current_object())
        db.session.commit()
        flash(f"API key {name} revoked.", "success")
        return redirect(url_for(".index_view"))
