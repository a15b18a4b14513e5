"""Data flows one way: request → door (admin, account, auth, cli, web) → services → models.

Each package of ``backoffice`` may import only the packages listed here (its
``__init__`` docstring says the same); nothing lower imports anything higher. A new
import across layers fails this test until the map, and the docstring, say why.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "backoffice"

#: Plain modules at the top of the package: shared helpers of the lowest layers.
BASE = {"clock", "extensions", "permissions", "ranges", "text", "after_commit"}
MAY_IMPORT = {
    "models": BASE,
    "storage": BASE,
    "after_commit": {"extensions"},
    "logs": set(),
    "outgoing_mail": {"after_commit", "extensions"},
    # Field rules for forms (WTForms validators) shared by the account page and admin;
    # it reaches into services only for the ISBN check.
    "validation": BASE | {"services"},
    "services": BASE | {"models", "storage", "validation"},
    "auth": BASE | {"models", "services", "outgoing_mail"},
    "web": BASE | {"models", "services", "storage"},
    "account": BASE | {"models", "services", "storage", "validation", "web"},
    # The task queue: task functions call services and own their transaction; the mail
    # task sends what ``outgoing_mail`` queued, through its ``send``.
    "jobs": BASE | {"models", "services", "storage", "outgoing_mail"},
    "admin": BASE | {"models", "services", "storage", "validation", "web", "auth", "jobs"},
    # The REST API: a door onto services; web for the problem+json answers.
    "api": BASE | {"models", "services", "web"},
    "cli": BASE | {"models", "services", "storage", "admin", "jobs"},
}


def imported_packages(path: Path) -> set[str]:
    """The ``backoffice.X`` names a module imports (X: package or top-level module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "backoffice":
                names |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("backoffice.")}
    return names


def test_every_package_imports_only_what_its_layer_allows():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        layer = path.relative_to(ROOT).parts[0].removesuffix(".py")
        if layer == "__init__" or layer in BASE - {"after_commit"}:
            continue  # the app factory wires everything; base helpers are leaves
        allowed = MAY_IMPORT.get(layer)
        assert allowed is not None, f"add backoffice/{layer} to MAY_IMPORT with its layer"
        for name in imported_packages(path) - allowed - {layer}:
            wrong.append(f"{path.relative_to(ROOT.parent)} imports backoffice.{name}")
    assert not wrong, "\n".join(wrong)
