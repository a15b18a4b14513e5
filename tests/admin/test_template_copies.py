"""The templates copied from Flask-Admin match the installed Flask-Admin.

A copy replaces Flask-Admin's template of the same name, so after an upgrade it would
silently keep the old markup (and miss the upgrade's fixes). Each copy names the version
it came from in its first comment; see backoffice/templates/admin/README.md.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import flask_admin

OURS = Path(__file__).resolve().parents[2] / "backoffice" / "templates"
THEIRS = Path(flask_admin.__file__).resolve().parent / "templates" / "bootstrap4"
COPY = re.compile(r"\{#-? Copy of Flask-Admin (\S+)'s bootstrap4 template")
# Templates of ours that replace one of Flask-Admin's without being a copy of it.
REPLACEMENTS = {"admin/index.html"}  # the dashboard; Flask-Admin's index page is empty


def copied_from() -> dict[str, str]:
    """Each template that says it is a copy, with the Flask-Admin version it names."""
    found = {}
    for path in sorted((OURS / "admin").rglob("*.html")):
        match = COPY.match(path.read_text())
        if match:
            found[path.relative_to(OURS).as_posix()] = match.group(1)
    return found


def test_copies_come_from_the_installed_flask_admin():
    installed = metadata.version("Flask-Admin")
    copies = copied_from()
    assert set(copies) == {
        "admin/actions.html",
        "admin/model/inline_list_base.html",
        "admin/model/layout.html",
        "admin/model/row_actions.html",
    }
    stale = {name: version for name, version in copies.items() if version != installed}
    assert stale == {}, (
        f"Flask-Admin {installed} is installed: compare these copies with its templates, "
        "update them and the version in their first comment"
    )


def test_every_template_replacing_flask_admins_is_a_declared_copy_or_ours():
    replacing = {
        path.relative_to(OURS).as_posix()
        for path in (OURS / "admin").rglob("*.html")
        if (THEIRS / path.relative_to(OURS)).exists()
    }
    assert replacing == set(copied_from()) | REPLACEMENTS
