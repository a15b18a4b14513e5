"""Refuse hostile text at the edge: one check before every view, form and CSRF check.

A request is answered 400, naming each field and why (the house error page, or JSON
``{"error": ..., "errors": {field: [reason]}}``), when its path, query string, or a
urlencoded, multipart or JSON body holds text the app will not take (rules in
``backoffice.text``): invalid UTF-8, control characters, unpaired surrogates. A JSON
body must also parse without NaN or Infinity, nest at most 20 levels, and be an object:
every JSON body the app reads today is a form (Flask-Security's endpoints, admin AJAX),
and a form built from an array or a number fails with a 500. A view that takes another
shape sets ``view_function.accepts_any_json = True``.

Nothing is stored and no view runs, so a refused registration sends no mail.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request

from backoffice.text import printable
from backoffice.web.errors import error_response
from backoffice.web.input_checks import (
    Problems,
    json_problems,
    multipart_problems,
    path_problems,
    urlencoded_problems,
)

log = logging.getLogger(__name__)

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def _body_problems() -> Problems:
    mimetype = request.mimetype
    if mimetype == URLENCODED:
        return urlencoded_problems(request.get_data(cache=True), line_breaks=True)
    if mimetype == MULTIPART:
        boundary = request.mimetype_params.get("boundary", "")
        if not boundary or not boundary.isascii():
            return []  # Werkzeug reads no form from it: nothing reaches a view
        return multipart_problems(
            request.get_data(cache=True),
            boundary.encode(),
            max_parts=request.max_form_parts,
            max_field_size=request.max_form_memory_size,
        )
    if request.is_json:
        raw = request.get_data(cache=True)
        if not raw:
            return []
        view = current_app.view_functions.get(request.endpoint)
        return json_problems(raw, object_only=not getattr(view, "accepts_any_json", False))
    return []


def request_problems() -> Problems:
    """The ``(field, reason)`` problems of the first refused part: path, query, then body."""
    path = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    return (
        path_problems(path)
        or urlencoded_problems(request.query_string, line_breaks=False)
        or _body_problems()
    )


def guard_request():
    """``before_request``: a 400 naming the refused fields, or None to carry on.

    The body is read into memory once (``get_data(cache=True)``) and the form or JSON
    is parsed from that copy later; MAX_CONTENT_LENGTH bounds it (or the view's own
    setting, ``view_upload_limit``).
    """
    problems = request_problems()
    if not problems:
        return None
    errors: dict[str, list[str]] = {}
    for field, reason in problems:
        errors.setdefault(field, []).append(reason)
    detail = "; ".join(f"“{field}” {reason}" for field, reason in problems)
    log.info("input refused on %s %s: %s", request.method, printable(request.path), detail)
    return error_response(400, f"The request was refused: {detail}.", errors=errors)


def view_upload_limit() -> None:
    """``before_request``: the body limit of a view that takes larger uploads.

    Every request is held to ``MAX_CONTENT_LENGTH`` except those for a view whose
    function names another setting in ``max_content_length_setting`` (the import upload:
    ``IMPORT_MAX_BYTES``). Set before anything reads the body (this guard, CSRFProtect),
    so the 413 page names that view's own limit.
    """
    view = current_app.view_functions.get(request.endpoint)
    setting = getattr(view, "max_content_length_setting", None)
    if setting:
        request.max_content_length = int(current_app.config[setting])


def init_input_guard(app: Flask) -> None:
    """Run the guard before every other ``before_request`` function, whenever bound
    (after ``view_upload_limit``, which only sets the limit the body is read under).

    CSRFProtect (bound in ``init_extensions``) reads the form in its own hook, which
    would parse it before the guard could see the raw bytes; first place avoids that.
    A refused request reaches no view, so it checks no credential and counts toward no
    per-view rate limit.
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, guard_request)
    hooks.insert(0, view_upload_limit)
