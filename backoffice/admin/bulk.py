"""Bulk actions for admin lists: on ticked rows or on every row matching the filters.

Flask-Admin's own actions see only the ticked rows of the visible page and confirm
with an inline-script ``confirm()``. Here an action is a plain function over a SELECT
of primary keys, so it runs set-based in SQL whatever the number of rows. The flow is
list → server-rendered confirmation page (with the count and any parameters) → apply,
all POSTs under the app-wide CSRF protection, in one transaction, with a summary
"N changed, M skipped (reasons)" and an audit entry.

Role changes (``fresh=True``) and every request over "all matching" rows need a fresh
sign-in (FRESHNESS_MINUTES): otherwise the re-authentication page, back to the list.

An action with ``confirm=False`` changes nothing and answers at once (an export):
it skips the confirmation page and returns a Response.

"All matching" reads the list's filters strictly (``ListQueryMixin``): a filter that
cannot be applied refuses the action with a 400 rather than widening it to every row.
Ticked row ids must be plain ids, checked against the view's own query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select

from backoffice.admin.bulk_scope import BulkScope, audit_changes, refuse, resolve_scope
from backoffice.auth.freshness import is_fresh, reauthenticate
from backoffice.extensions import db
from backoffice.jobs.bulk import KIND, first_checkpoint, job_actor
from backoffice.jobs.records import start_job
from backoffice.permissions import can
from backoffice.services import audit
from backoffice.services.outcome import Outcome

log = logging.getLogger(__name__)


class BulkActionError(Exception):
    """Raised by an action to refuse the whole batch; nothing is changed."""


def acting_user():
    """Who a bulk action runs as: the job's starter inside a job, else the signed-in user."""
    return job_actor() or current_user._get_current_object()


def runs_in_background(count: int) -> bool:
    """True when a bulk action on ``count`` rows runs as a job (``BULK_INLINE_LIMIT``)."""
    return count > int(current_app.config["BULK_INLINE_LIMIT"])


@dataclass(frozen=True)
class BulkAction:
    """A named operation over a set of rows.

    ``run(ids, params)`` receives a SELECT of the rows' primary keys and the validated
    parameter form data; it changes rows without committing and returns an Outcome.

    With ``confirm=False`` the action must change nothing: it runs straight from the
    list, gets ``params = {"count": n, "scope_text": "...", "scope_audit": {...}}``,
    returns a Response (a download) and writes its own audit entry.
    """

    name: str
    label: str
    run: Callable[[Select, dict], Outcome | Response]
    permission: str
    form: type | None = None
    danger: bool = False
    description: str = ""
    confirm: bool = True
    #: Needs a fresh sign-in even on ticked rows (role changes).
    fresh: bool = False


class BulkActionsMixin:
    """Adds bulk actions to a ModelView; list them in ``bulk_actions``.

    Needs ``ListQueryMixin`` (filters and search of the request) further along the MRO.
    """

    bulk_actions: tuple[BulkAction, ...] = ()
    #: Most rows that may be ticked by hand in one go (the page size caps it anyway).
    bulk_max_selected = 1000

    def get_bulk_actions(self) -> tuple[BulkAction, ...]:
        """Every bulk action of the view: ``bulk_actions`` (mixins add their own)."""
        return self.bulk_actions

    def allowed_bulk_actions(self) -> list[BulkAction]:
        """The actions the current user may run here."""
        return [a for a in self.get_bulk_actions() if can(current_user, a.permission)]

    def render(self, template, **kwargs):
        """Give list templates the allowed actions."""
        kwargs.setdefault("bulk_actions", self.allowed_bulk_actions())
        kwargs.setdefault("model_noun", self.model_noun())
        # The bulk bar offers "all matching" only when every filter of the page applies.
        kwargs.setdefault("filter_errors", self.filter_errors())
        return super().render(template, **kwargs)

    def _bulk_action(self) -> BulkAction:
        name = request.form.get("action", "")
        action = next((a for a in self.get_bulk_actions() if a.name == name), None)
        if action is None:
            refuse("Unknown action.")
        if not can(current_user, action.permission):
            abort(403)
        return action

    @staticmethod
    def _needs_reauth(action: BulkAction) -> bool:
        """A role change, or anything over every matching row, from a stale sign-in."""
        return (action.fresh or request.form.get("scope") == "all") and not is_fresh()

    def _list_url(self) -> str:
        return url_for(".index_view", **request.args)

    @expose("/bulk/", methods=("POST",))
    def bulk_confirm(self):
        """Show what the action will touch and ask for confirmation (and parameters)."""
        action = self._bulk_action()
        if self._needs_reauth(action):
            return reauthenticate(self._list_url())
        scope = resolve_scope(self)
        if scope.count == 0:
            flash("Select at least one row, or choose “all matching”.", "warning")
            return redirect(self._list_url())
        if not action.confirm:
            return self._run_at_once(action, scope)
        form = action.form(formdata=None) if action.form else None
        return self._render_confirm(action, scope.count, scope.text, form)

    @staticmethod
    def _run_at_once(action: BulkAction, scope: BulkScope) -> Response:
        params = {"count": scope.count, "scope_text": scope.text, "scope_audit": scope.audit}
        return action.run(scope.ids, params)

    def _render_confirm(self, action, count, scope_text, form, status=200):
        return (
            self.render(
                "admin/bulk_confirm.html",
                action=action,
                count=count,
                scope_text=scope_text,
                params_form=form,
                scope=request.form.get("scope", "selected"),
                rowids=request.form.getlist("rowid"),
                list_url=self._list_url(),
                apply_url=url_for(".bulk_apply", **request.args),
                background=runs_in_background(count),
            ),
            status,
        )

    @expose("/bulk/apply", methods=("POST",))
    def bulk_apply(self):
        """Run the confirmed action in one transaction and report what happened."""
        action = self._bulk_action()
        if self._needs_reauth(action):
            return reauthenticate(self._list_url())
        scope = resolve_scope(self)
        if not action.confirm:
            return self._run_at_once(action, scope)
        params: dict = {}
        if action.form:
            form = action.form()
            if not form.validate():
                return self._render_confirm(action, scope.count, scope.text, form, status=400)
            params = {k: v for k, v in form.data.items() if k not in ("csrf_token", "submit")}
        if runs_in_background(scope.count):
            return self._start_bulk_job(action, scope, params)
        try:
            result = action.run(scope.ids, params)
        except BulkActionError as exc:
            db.session.rollback()
            flash(f"{action.label}: {exc} Nothing was changed.", "error")
            return redirect(self._list_url())
        except Exception:
            db.session.rollback()
            log.exception("bulk action %s failed", action.name)
            flash(f"{action.label} failed; nothing was changed.", "error")
            return redirect(self._list_url())
        audit.record(
            f"bulk:{action.name}",
            model=self.model.__name__,
            summary=f"{action.label} on {scope.text}: {result.message()}",
            changes=audit_changes(scope.audit, params, result),
        )
        db.session.commit()
        flash(f"{action.label}: {result.message()}.", "success" if result.changed else "warning")
        return redirect(self._list_url())

    def _start_bulk_job(self, action: BulkAction, scope: BulkScope, params: dict):
        """Start the action as a job (its scope as the filters or ids, never the rows)."""
        job_params = {
            "view": self.endpoint, "action": action.name, "scope": scope.audit, "params": params,
        }  # fmt: skip
        user = current_user._get_current_object()
        summary = f"{action.label} on {scope.text}"
        job = start_job(KIND, job_params, user=user, summary=summary, total=scope.count)
        job.checkpoint = first_checkpoint()
        db.session.commit()
        if job.state == "failed":  # the queue was down: the job was recorded, not started
            flash(f"{action.label}: {job.error} Nothing was changed.", "error")
            return redirect(self._list_url())
        link = url_for("jobs.index_view", _anchor=f"job-{job.id}")
        flash(Markup('Started in the background: <a href="{}">job {}</a>.').format(link, job.id))
        return redirect(link)
