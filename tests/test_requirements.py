"""Dependencies: production's requirements.txt holds everything the app imports, pinned.

requirements.txt is the runtime set (what production installs); requirements-dev.txt
adds tests and tooling on top of it. Both are regenerated in scratch virtualenvs as the
headers of requirements.in and requirements-dev.in say.
"""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"backoffice", "config", "migrations", "manage"}


def pins(name: str) -> dict[str, str]:
    """The ``name==version`` lines of one requirements file, by normalised name."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            package, version = line.split("==")
            found[package.strip().lower().replace("_", "-")] = version.strip()
    return found


def imported_modules() -> set[str]:
    """Top-level modules imported by the code production runs (not tests, not bench)."""
    files = [ROOT / "manage.py", *(ROOT / "backoffice").rglob("*.py")]
    files += [*(ROOT / "config").rglob("*.py"), *(ROOT / "migrations").rglob("*.py")]
    modules = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - OURS - {"__future__"}


def test_everything_production_imports_is_pinned_in_requirements_txt():
    runtime = pins("requirements.txt")
    providers = metadata.packages_distributions()
    missing = {
        module: providers.get(module)
        for module in imported_modules()
        if not any(d.lower().replace("_", "-") in runtime for d in providers.get(module, []))
    }
    assert missing == {}, "imported by the app but not pinned in requirements.txt"


def test_dev_file_builds_on_the_runtime_file_without_repeating_it():
    lines = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert next(line for line in lines if not line.startswith("#")) == "-r requirements.txt"
    assert set(pins("requirements.txt")) & set(pins("requirements-dev.txt")) == set()
    assert {"pytest", "ruff", "playwright", "pyftpdlib"} <= set(pins("requirements-dev.txt"))
    assert {"gunicorn", "psycopg", "flask"} <= set(pins("requirements.txt"))


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_the_tests_run_on_the_pinned_versions(name):
    installed = {
        d.metadata["Name"].lower().replace("_", "-"): d.version for d in metadata.distributions()
    }
    wrong = {
        package: (version, installed.get(package))
        for package, version in pins(name).items()
        if installed.get(package) != version
    }
    assert wrong == {}, f"{name} pins (left) differ from the installed versions: run make install"
