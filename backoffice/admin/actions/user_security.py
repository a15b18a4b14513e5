"""The user admin's sign-in security: the second-factor column and its Reset button, and
fresh sign-in before role changes, deletion and resets.

The reset runs ``services.second_factor.reset`` through the same one-user path as the
status and lock buttons, so the account rules (never one's own, admins only) and the
audit entry are the same as everywhere else.
"""

from __future__ import annotations

from flask import abort, request
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from backoffice.admin.actions.users import post_button
from backoffice.admin.fresh import fresh_required
from backoffice.auth.freshness import is_fresh, reauthenticate
from backoffice.extensions import db
from backoffice.models import User
from backoffice.permissions import can
from backoffice.ranges import parse_id
from backoffice.services import second_factor


def second_factor_cell(view, context, model, name) -> Markup:
    """On / Off (Missing for staff, who cannot use the admin without one), and Reset."""
    if model.has_second_factor:
        badge = Markup('<span class="badge badge-success">On</span>')
    elif model.is_staff:
        badge = Markup('<span class="badge badge-danger" title="Required for staff">Missing</span>')
    else:
        badge = Markup('<span class="badge badge-secondary">Off</span>')
    if not model.has_second_factor or model.id == current_user.id:
        return badge
    if not can(current_user, "users.write"):
        return badge
    button = post_button(
        ".tf_reset", model.id, "Reset", "btn-outline-danger", "Remove the second factor"
    )
    return Markup("{} {}").format(badge, button)


def _changes_roles(user: User | None) -> bool:
    """True when the posted user form grants or removes a role."""
    roles = set(request.form.getlist("roles"))
    if user is None:
        return bool(roles)
    return roles != {str(r.id) for r in user.roles}


class UserSecurityMixin:
    """UserView: the reset endpoint, and freshness on its dangerous writes.

    Needs ``AccountControlsMixin`` (the one-user path) further along the MRO.
    """

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """A new user with a role needs a fresh sign-in."""
        if request.method == "POST" and _changes_roles(None) and not is_fresh():
            return reauthenticate(request.full_path.rstrip("?"))
        return super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Role changes need a fresh sign-in; other edits do not."""
        if request.method == "POST" and not is_fresh():
            key = parse_id(request.args.get("id"), User.id)
            user = db.session.get(User, key) if key is not None else None
            if user is not None and _changes_roles(user):
                return reauthenticate(request.full_path.rstrip("?"))
        return super().edit_view()

    @expose("/delete/", methods=("POST",))
    @fresh_required
    def delete_view(self):
        """Deleting (erasing) a user needs a fresh sign-in."""
        return super().delete_view()

    @expose("/tf-reset/", methods=("POST",))
    @fresh_required
    def tf_reset(self):
        """Remove a user's second factor and end their sessions (admins; not one's own)."""
        if not can(current_user, "users.write"):
            abort(403)
        return self._one_user_action(second_factor.reset, self._posted_user(), "tf_reset")
