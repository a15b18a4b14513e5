"""Flask-Admin's private members are touched in one room: ``backoffice/admin/listing.py``.

A private member may change or go in any Flask-Admin release. Kept in one module,
behind small public names, an upgrade has one place to check; the second test below
fails when a private name that module relies on is gone from the installed Flask-Admin.

Overriding counts as touching. A method of ours named like a private Flask-Admin
member (``_handle_view``, ``_on_model_change``, ``_get_label``) runs only while
Flask-Admin still calls that name with that signature: after an upgrade that renames
it, the override stops running without an error (for ``_handle_view``, every
per-endpoint 403 would go). ``_handle_view`` gets no exception: Flask-Admin's
documentation offers ``is_accessible`` and ``inaccessible_callback`` for access rules,
and ``_handle_view`` is private (a docstring in the source, left out of the API
documentation). So overrides live in listing.py too, each calling a public hook
(``check_endpoint``, ``model_changed``) that the rest of the admin implements.

"Flask-Admin's private names" are read from the installed Flask-Admin's source: every
method, class attribute and ``self._x = ...`` instance attribute with one leading
underscore, in every Flask-Admin class our code imports and the Flask-Admin classes
those derive from. Instance attributes (``_filter_args``, ``Admin._views``) are not in
``dir()`` of a class, hence the source rather than ``dir()``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from functools import cache
from pathlib import Path

import flask_admin
from flask_admin.contrib.sqla import ModelView

PACKAGE = Path(__file__).resolve().parents[2] / "backoffice"
ROOM = PACKAGE / "admin" / "listing.py"
PRIVATE = re.compile(r"_[a-z][A-Za-z0-9_]*")  # one underscore: not a dunder


def _private(name: str) -> bool:
    return bool(PRIVATE.fullmatch(name)) and not name.endswith("__")


def _imported_classes() -> set[type]:
    """Flask-Admin classes our code imports (directly, or in an imported module)."""
    found = {ModelView, flask_admin.Admin, flask_admin.AdminIndexView}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level:
                continue
            if (node.module or "").split(".")[0] != "flask_admin":
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                obj = getattr(module, alias.name)
                members = vars(obj).values() if inspect.ismodule(obj) else [obj]
                found.update(m for m in members if inspect.isclass(m))
    return found


def _defined_privately(cls: type) -> set[str]:
    """Private methods, class attributes and ``self._x`` attributes that ``cls`` defines."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body
    names = set()
    for item in body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(item.name)
        for target in getattr(item, "targets", [getattr(item, "target", None)]):
            if isinstance(target, ast.Name):
                names.add(target.id)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
    return {name for name in names if _private(name)}


@cache
def flask_admin_private_names() -> frozenset[str]:
    """Every private name Flask-Admin defines on the classes we use and their bases."""
    classes = {
        base
        for cls in _imported_classes()
        for base in cls.__mro__
        if base.__module__.split(".")[0] == "flask_admin"
    }
    return frozenset().union(*(_defined_privately(cls) for cls in classes))


def touches(source: str) -> list[str]:
    """``line: name`` where ``source`` reads, sets or overrides a private Flask-Admin member."""
    names = flask_admin_private_names()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    defined = [item.name]
                else:
                    targets = getattr(item, "targets", [getattr(item, "target", None)])
                    defined = [t.id for t in targets if isinstance(t, ast.Name)]
                found += [f"{item.lineno}: {name} (override)" for name in defined if name in names]
    return found


def test_the_scan_knows_flask_admins_private_members_and_not_ours():
    names = flask_admin_private_names()
    # Methods, class attributes and instance attributes alike, of views, Admin and helpers.
    assert {"_handle_view", "_apply_sorting", "_filter_args", "_views", "_cached_fields"} <= names
    assert {"_get_label", "_template", "_on_model_change"} <= names
    source = (
        "class V(ModelView):\n"
        "    def _handle_view(self, name, **kwargs):\n"
        "        return super()._handle_view(name, **kwargs)\n"
        "views = admin._views\n"
        "ours = self._has(permission)\n"
    )
    expected = ["2: _handle_view (override)", "3: ._handle_view", "4: ._views"]
    assert sorted(touches(source)) == expected


def test_only_listing_touches_flask_admin_private_members():
    outside = {
        path.relative_to(PACKAGE).as_posix(): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != ROOM and (found := touches(path.read_text()))
    }
    assert outside == {}, (
        "Flask-Admin's private members belong in backoffice/admin/listing.py: "
        "add a public method or hook there and use it instead"
    )


def test_what_listing_relies_on_is_still_in_the_installed_flask_admin():
    """Each private name listing.py reads or overrides is one Flask-Admin still defines.

    An override is a private method listing.py defines that calls ``super()`` under its
    own name, or that nothing in listing.py calls (Flask-Admin does). Its own helpers
    (``_read_request_filters``) are called through ``self`` and are not Flask-Admin's.
    """
    tree = ast.parse(ROOM.read_text())
    methods = {
        node.name: node
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.FunctionDef) and _private(node.name)
    }
    attributes = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and _private(n.attr)]
    on_self = {n.attr for n in attributes if isinstance(n.value, ast.Name) and n.value.id == "self"}

    def calls_super(node: ast.FunctionDef) -> bool:
        return any(
            isinstance(n, ast.Attribute)
            and n.attr == node.name
            and isinstance(n.value, ast.Call)
            and getattr(n.value.func, "id", None) == "super"
            for n in ast.walk(node)
        )

    overrides = {name for name, node in methods.items() if calls_super(node) or name not in on_self}
    read = {n.attr for n in attributes} - set(methods)
    relied_on = overrides | read
    assert {"_handle_view", "_on_model_change", "_apply_filters", "_views"} <= relied_on
    assert relied_on - flask_admin_private_names() == set(), (
        "listing.py relies on private members the installed Flask-Admin no longer has"
    )
