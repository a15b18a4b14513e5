"""``python manage.py export``: same columns and filters as the admin export, to a file."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog
from tests.support.factories import add_order, add_product


@pytest.fixture
def shop(app, users):
    lamp = add_product(app, sku="LAMP", name="=Lamp", category="home", price=Decimal("19.90"))
    mug = add_product(app, sku="MUG", name="Mug", category="kitchen", price=Decimal("4.50"))
    add_order(app, users["customer"], [(lamp, 1)], status="paid")
    add_order(app, users["customer"], [(mug, 2)], status="pending")
    return {"lamp": lamp, "mug": mug}


def run(app, *args):
    return app.test_cli_runner().invoke(args=["export", *args])


def read(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_exports_a_model_to_a_file_with_the_admin_columns(app, admin_client, shop, tmp_path):
    out = tmp_path / "products.csv"
    result = run(app, "product", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Exported 2 rows" in result.output
    rows = read(out)
    assert [r["SKU"] for r in rows] == ["LAMP", "MUG"]  # the list's default sort (name)
    assert rows[0]["Name"] == "'=Lamp"
    assert rows[0]["Price"] == "19.90"
    web = admin_client.get("/admin/product/export/csv/").data
    assert out.read_bytes() == web


def test_filters_and_search(app, shop, tmp_path):
    out = tmp_path / "paid.csv"
    result = run(app, "orders", "--filter", "status=paid", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [r["Status"] for r in read(out)] == ["paid"]
    result = run(
        app, "product", "--filter", "category_equals=kitchen", "--search", "mu", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert [r["SKU"] for r in read(out)] == ["MUG"]


def test_bom_and_stdout(app, shop):
    result = run(app, "order", "--out", "-", "--bom")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith("\ufeffOrder,".encode())
    assert result.stdout_bytes.count(b"\r\n") == 3


def test_default_file_name_names_model_and_time(app, shop, tmp_path, monkeypatch, clock):
    monkeypatch.chdir(tmp_path)
    assert run(app, "book").exit_code == 0
    (written,) = tmp_path.iterdir()
    assert written.name == "books-20300115T120000Z.csv"  # the app's clock, in UTC


def test_is_audited(app, shop, tmp_path):
    run(app, "order", "--filter", "status=paid", "--out", str(tmp_path / "x.csv"))
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "export"))
        assert entry.model == "Order"
        assert entry.actor_id is None
        assert entry.changes["rows"] == 1
        assert entry.changes["query"] == {"status_equals": "paid"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["orderz"], "Unknown model “orderz”"),
        (["order", "--filter", "colour=red"], "Unknown filter “colour”"),
        (["order", "--filter", "status"], "NAME=VALUE"),
        (["order", "--filter", "total_greater_than=lots"], "not a valid value"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message_and_writes_nothing(
    app, shop, tmp_path, args, message
):
    out = tmp_path / "out.csv"
    result = run(app, *args, "--out", str(out))
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
