"""The mapping chosen for an import is remembered in the database for the next one:
for the same headers first, then for the kind; the command uses it without --mapping."""

from __future__ import annotations

import json

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ImportMapping, Job, Product
from backoffice.services.imports.memory import remember, remembered
from tests.imports.files import write_csv

HEADERS = ["Code", "Label", "Cost"]
CHOSEN = {"sku": "Code", "name": "Label", "price": "Cost"}


def test_remembered_for_the_same_headers_then_for_the_kind(app, users):
    with app.app_context():
        assert remembered("product", HEADERS) is None
        remember("product", HEADERS, CHOSEN, users["staff"])
        remember("product", ["Ref", "Other"], {"sku": "Ref"}, users["admin"])  # the kind's last
        db.session.commit()
        assert remembered("product", HEADERS) == CHOSEN  # its own headers win
        # Other headers: the kind's last mapping, if its columns are in the file
        assert remembered("product", ["Ref", "Name"]) == {"sku": "Ref"}
        assert remembered("product", ["Reference"]) is None  # no key column: does not fit
        assert remembered("book", HEADERS) is None
        remember("product", HEADERS, {**CHOSEN, "price": "Label", "name": "Cost"})
        db.session.commit()
        assert remembered("product", HEADERS) == {**CHOSEN, "price": "Label", "name": "Cost"}
        assert db.session.query(ImportMapping).count() == 3  # upserted, not added


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *[str(a) for a in args]])


def test_the_command_remembers_mapping_and_uses_it_without_one(app, tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADERS, ["A-1", "Lamp", "3"]])
    first = run(app, "product", path, "--dry-run")
    assert first.exit_code == 1  # no column is named like the key: nothing to propose
    assert "No column is mapped to the key, SKU." in first.output
    chosen = run(app, "product", path, "--mapping", json.dumps(CHOSEN))
    assert chosen.exit_code == 0, chosen.output
    again = write_csv(tmp_path / "b.csv", [HEADERS, ["A-2", "Mug", "4"]])
    result = run(app, "product", again)
    assert result.exit_code == 0, result.output
    assert "Columns (remembered): sku ← Code, name ← Label, price ← Cost" in result.output
    with app.app_context():
        assert dict(db.session.execute(select(Product.sku, Product.name)).all()) == {
            "A-1": "Lamp", "A-2": "Mug",
        }  # fmt: skip
        dry, apply = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(2)).all()[::-1]
        assert dry.params["mapping"] == apply.params["mapping"] == CHOSEN
    # --mapping overrides what is remembered (and is remembered in turn)
    other = write_csv(tmp_path / "c.csv", [HEADERS, ["A-3", "Cup", "5"]])
    swapped = {"sku": "Code", "name": "Cost", "price": "Cost"}
    refused = run(app, "product", other, "--mapping", json.dumps(swapped))
    assert "Each column can fill one field only." in refused.output
    override = {"sku": "Label", "name": "Code", "price": "Cost"}
    result = run(app, "product", other, "--mapping", json.dumps(override))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(Product.name).where(Product.sku == "CUP")).one() == "A-3"
        assert remembered("product", HEADERS) == override
