"""``python manage.py import``: the admin's import from a shell, same jobs, same checks."""

from __future__ import annotations

import csv
from decimal import Decimal

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, Job, Product
from tests.imports.files import write_csv, write_xlsx
from tests.support.factories import add_product


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *[str(a) for a in args]])


def products(app) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(Product.sku, Product.stock)).all())


def test_imports_products_prints_counts_and_audits(app, tmp_path):
    add_product(app, sku="OLD", stock=1)
    path = write_xlsx(tmp_path / "cat.xlsx", [
        ["Ref", "Product name", "Price incl. VAT", "Qty"], ["OLD", "Desk Lamp", 19.99, 5],
        ["NEW", "Chair", 42, 3],
    ])  # fmt: skip
    result = run(app, "product", path)
    assert result.exit_code == 0, result.output
    assert "1 new, 1 to update, 0 unchanged, 0 in error" in result.output
    assert "Imported: 1 created, 1 updated" in result.output
    assert products(app) == {"OLD": 5, "NEW": 3}
    assert not (tmp_path / "cat.xlsx.errors.csv").exists()
    with app.app_context():
        kinds = db.session.scalars(select(Job.kind).order_by(Job.id)).all()
        assert kinds == ["import_dry_run", "import_apply"]
        assert db.session.scalars(select(AuditLog.summary).where(AuditLog.action == "import")).one()


def test_rows_in_error_write_nothing_and_exit_1_unless_skipped(app, tmp_path):
    path = write_csv(tmp_path / "cat.csv", [
        ["SKU", "Name", "Price"], ["A", "Lamp", "3"], ["B", "Mug", "free"],
    ])  # fmt: skip
    result = run(app, "product", path)
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
    assert products(app) == {}
    with (tmp_path / "cat.csv.errors.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["SKU", "Name", "Price", "error"]
    assert rows[1][:3] == ["B", "Mug", "free"]
    assert rows[1][3].startswith("price: ")
    dry = run(app, "product", path, "--dry-run", "--skip-errors")
    assert dry.exit_code == 1
    assert products(app) == {}
    skipped = run(app, "product", path, "--skip-errors")
    assert skipped.exit_code == 1
    assert products(app) == {"A": 0}


def test_stock_list_with_a_mapping_and_add_mode(app, tmp_path):
    add_product(app, sku="A", stock=10, price=Decimal("1"))
    path = write_csv(tmp_path / "s.csv", [["Code", "Delivered"], ["A", "5"]], delimiter="\t")
    mapping = '{"sku": "Code", "stock": "Delivered"}'
    result = run(app, "stock", path, "--mapping", mapping, "--mode", "add")
    assert result.exit_code == 0, result.output
    assert products(app) == {"A": 15}


def test_refusals_are_one_line_errors(app, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"SKU,Name\nA,B\x00\n")
    result = run(app, "product", path)
    assert result.exit_code == 1
    assert "Error: The file contains NUL bytes" in result.output
    bad = run(app, "product", path, "--mapping", "[1]")
    assert bad.exit_code == 2
    assert "JSON object" in bad.output


def test_progress_only_on_a_terminal_or_when_asked(app, tmp_path):
    rows = [["SKU", "Name", "Price"], *([f"P-{i}", f"Item {i}", "2"] for i in range(30))]
    path = write_csv(tmp_path / "cat.csv", rows)
    quiet = run(app, "product", path)  # the runner's stderr is no terminal
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert "Checking" not in quiet.output
    assert "Importing" not in quiet.output
    assert quiet.stdout.splitlines()[-1] == "Imported: 30 created"
    again = write_csv(tmp_path / "again.csv", [*rows[:1], ["P-99", "More", "3"]])
    shown = run(app, "product", again, "--progress")
    assert shown.exit_code == 0, shown.output
    assert "Checking 1 rows" in shown.stderr
    assert "Importing" in shown.stderr
    assert "Imported: 1 created" in shown.stdout
    assert "Checking" not in shown.stdout
