"""Background XLSX export end to end: list → job → real worker → Storage → download,
read back with calamine: the CSV's rows and columns, typed cells, no formulas, no secrets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select, update

from backoffice.extensions import db
from backoffice.models import Job, Order, User
from backoffice.services.export_specs import spec_for
from backoffice.services.xlsx_export import CONTENT_TYPE, write_xlsx
from backoffice.storage import get_storage
from tests.jobs.conftest import job_row, wait_ended, wait_for
from tests.jobs.test_exports import job_ids, start
from tests.jobs.test_lifecycle import add_products
from tests.support.factories import add_order, add_product, add_user
from tests.support.http import csrf_token, login

FILTER = "?flt0_status_equals=paid&sort=0"


def sheets(data: bytes) -> dict[str, list[list]]:
    """Every sheet of an XLSX file, as rows of typed Python values."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def sheet_xml(data: bytes) -> str:
    """The XML of every worksheet, concatenated."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        return "".join(archive.read(n).decode() for n in names)


def export_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("xlsx-export-*")}


def run_xlsx(app, client, query: str = "", view: str = "order") -> Job:
    token = csrf_token(client, f"/admin/{view}/")
    response = client.post(
        f"/admin/{view}/export/background/{query}", data={"csrf_token": token, "format": "xlsx"}
    )
    assert response.status_code == 302
    job_id = int(response.location.rsplit("-", 1)[1])
    return wait_ended(app, job_id)


@pytest.fixture
def orders(app, users) -> dict[str, list[int]]:
    """Four paid orders (one with a formula-looking address) and two pending ones."""
    product = add_product(app, price=Decimal("19.90"))
    paid = [add_order(app, users["customer"], [(product, n)], status="paid") for n in (1, 2, 3)]
    pending = [add_order(app, users["customer"], [(product, 1)]) for _ in range(2)]
    formula = add_order(app, users["customer"], [(product, 1)], status="paid")
    with app.app_context():
        db.session.execute(update(Order).where(Order.id == formula).values(shipping_address="=1+1"))
        db.session.commit()
    return {"paid": [*paid, formula], "pending": pending, "formula": [formula]}


@pytest.mark.config(JOB_BATCH_SIZE=2)
def test_xlsx_of_a_filtered_list_matches_the_lists_rows_and_columns(
    app, staff_client, orders, worker
):
    job = run_xlsx(app, staff_client, FILTER)
    assert (job.kind, job.state, job.done, job.total, job.error) == (
        "export_xlsx",
        "done",
        4,
        4,
        None,
    )
    assert job.result_key.startswith(f"exports/{job.id}-")
    assert job.result_key.endswith(".xlsx")
    assert job.summary.startswith("XLSX export of")

    download = staff_client.get(f"/admin/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.mimetype == CONTENT_TYPE
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="orders-')
    assert disposition.endswith('.xlsx"')

    [(name, rows)] = sheets(download.get_data()).items()
    assert name == "orders"
    direct = staff_client.get(f"/admin/order/export/csv/{FILTER}").get_data(as_text=True)
    [header, *csv_rows] = list(csv.reader(io.StringIO(direct)))
    assert rows[0] == header == spec_for(Order).labels
    assert [int(r[0]) for r in rows[1:]] == [int(r[0]) for r in csv_rows]
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(orders["paid"])

    with app.app_context():
        stored = {o.id: o for o in db.session.scalars(select(Order))}
        db.session.expunge_all()
    for row, text in zip(rows[1:], csv_rows, strict=True):
        order = stored[int(row[0])]
        _order_id, email, status, total, items, address, created, updated = row
        assert (email, status, address) == ("customer@example.com", "paid", order.shipping_address)
        assert isinstance(total, float)
        assert Decimal(f"{total:.2f}") == order.total
        assert total == float(text[3])  # the CSV's "59.70" and the cell's number agree
        assert items == 1.0
        # Excel keeps milliseconds: the cell is the stored UTC time, naive, to the ms.
        naive_utc = order.created_at.astimezone(dt.UTC).replace(tzinfo=None)
        assert abs(created - naive_utc) <= dt.timedelta(milliseconds=1)
        assert isinstance(updated, dt.datetime)

    xml = sheet_xml(download.get_data())
    assert "<f>" not in xml  # not a single formula in the file
    assert 'ySplit="1"' in xml  # the header row is frozen
    with zipfile.ZipFile(io.BytesIO(download.get_data())) as archive:
        assert "<b/>" in archive.read("xl/styles.xml").decode()  # and has a bold format
    formula_row = next(r for r in rows[1:] if int(r[0]) in orders["formula"])
    assert formula_row[5] == "=1+1"  # stays the text typed, no quote added, never run
    with app.app_context():
        assert list(get_storage().iter_keys()) == [job.result_key]


def test_users_xlsx_has_typed_cells_and_no_secret(app, admin_client, orders, worker):
    job = run_xlsx(app, admin_client, view="user")
    assert job.state == "done"
    data = admin_client.get(f"/admin/jobs/{job.id}/download").get_data()
    [rows] = sheets(data).values()
    assert rows[0] == spec_for(User).labels
    by_email = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    admin = by_email["admin@example.com"]
    assert admin["Active"] is True
    assert admin["Roles"] == "admin"
    assert admin["Full name"] == "Ada Admin"
    assert admin["Failed logins"] == 0.0
    assert admin["Locked until"] == ""  # NULL is an empty cell
    xml = sheet_xml(data)  # the cells, uncompressed
    with app.app_context():
        for user in db.session.scalars(select(User)):
            for secret in (user.password, user.fs_uniquifier):
                assert secret not in xml


def test_rows_over_a_sheets_limit_go_on_in_a_next_sheet_with_the_header(app, orders):
    spec = spec_for(Order)
    with app.app_context():
        stmt = select(*spec.typed_expressions()).order_by(Order.id)
        out = io.BytesIO()
        write_xlsx(stmt, spec, out, batch_size=2, sheet_rows=3)  # header + 2 rows a sheet
    found = sheets(out.getvalue())
    assert list(found) == ["orders", "orders (2)", "orders (3)"]
    assert all(rows[0] == spec.labels for rows in found.values())
    ids = [int(r[0]) for rows in found.values() for r in rows[1:]]
    assert ids == sorted(orders["paid"] + orders["pending"])
    assert [len(rows) for rows in found.values()] == [3, 3, 3]


@pytest.mark.config(JOB_BATCH_SIZE=1)
def test_cancelling_an_xlsx_export_mid_way_leaves_no_file(app, staff_client, worker):
    add_products(app, 400)
    before = export_dirs()
    token = csrf_token(staff_client, "/admin/product/")
    response = staff_client.post(
        "/admin/product/export/background/", data={"csrf_token": token, "format": "xlsx"}
    )
    job_id = int(response.location.rsplit("-", 1)[1])
    wait_for(lambda: job_row(app, job_id).done >= 1)
    token = csrf_token(staff_client, "/admin/jobs/")
    staff_client.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token})
    wait_ended(app, job_id)
    wait_for(lambda: app.extensions["huey"].pending_count() == 0)
    wait_for(lambda: export_dirs() <= before)  # XlsxWriter's row files went too
    job = job_row(app, job_id)
    assert (job.state, job.result_key) == ("cancelled", None)
    assert job.done < job.total == 400
    with app.app_context():
        assert list(get_storage().iter_keys()) == []
        assert list(get_storage().iter_temporary()) == []
    assert staff_client.get(f"/admin/jobs/{job_id}/download").status_code == 404


@pytest.mark.parametrize("fmt", ["pdf", "", "XLSX", "csv "])
def test_an_unknown_format_is_a_400_and_starts_nothing(app, staff_client, orders, fmt):
    response = start(staff_client, FILTER, format=fmt)
    assert response.status_code == 400
    assert "format" in response.get_data(as_text=True)
    assert job_ids(app) == []
    assert app.extensions["huey"].pending_count() == 0


def test_the_list_offers_both_formats_in_the_csrf_form(admin_client):
    page = admin_client.get("/admin/order/").get_data(as_text=True)
    form = page[page.index('action="/admin/order/export/background/') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token"' in form
    assert '<option value="csv" selected>CSV</option>' in form
    assert '<option value="xlsx">XLSX</option>' in form


def test_xlsx_download_needs_the_same_rights_as_the_csv(app, client, users, orders, worker):
    login(client, "staff@example.com")
    job = run_xlsx(app, client)
    assert client.get(f"/admin/jobs/{job.id}/download").status_code == 200

    add_user(app, "other@example.com", roles=["staff"])
    other = app.test_client()
    login(other, "other@example.com")
    assert other.get(f"/admin/jobs/{job.id}/download").status_code == 404
    admin = app.test_client()
    login(admin, "admin@example.com")
    assert admin.get(f"/admin/jobs/{job.id}/download").status_code == 200
    customer = app.test_client()
    login(customer, "customer@example.com")
    assert customer.get(f"/admin/jobs/{job.id}/download").status_code == 403
    assert app.test_client().get(f"/admin/jobs/{job.id}/download").status_code == 302


def test_a_search_that_joins_another_table_selects_the_same_rows(app, staff_client, orders, worker):
    other = add_user(app, "zed@example.com")
    product = add_product(app, sku="SKU-Z")
    theirs = [add_order(app, other, [(product, 1)], status="paid") for _ in range(2)]
    query = "?search=zed%40example&sort=2&desc=1"  # the search joins the customer
    job = run_xlsx(app, staff_client, query)
    [rows] = sheets(staff_client.get(f"/admin/jobs/{job.id}/download").get_data()).values()
    direct = staff_client.get(f"/admin/order/export/csv/{query}").get_data(as_text=True)
    csv_ids = [int(r[0]) for r in list(csv.reader(io.StringIO(direct)))[1:]]
    assert [int(r[0]) for r in rows[1:]] == csv_ids
    assert sorted(csv_ids) == sorted(theirs)
    assert {r[1] for r in rows[1:]} == {"zed@example.com"}
