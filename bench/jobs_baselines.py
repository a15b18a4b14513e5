"""The baselines of bench/jobs_bench.py: an order export without the app around it.

The same SELECT as the background job (the order list's, every row) through a raw
DB-API cursor of the driver (sqlite3, or a psycopg server-side cursor), written to a
temporary file by ``csv.writer`` or by XlsxWriter in constant-memory mode
(``write_row``, no per-kind formats, one sheet): the floor the job is compared with.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Iterator

BATCH = 5000


def order_export_sql(app, typed: bool) -> str:
    """The SQL of the order list's export of every row (typed: the XLSX job's raw values)."""
    from backoffice.extensions import db

    admin = app.extensions["backoffice_admin"]
    view = next(v for v in admin._views if getattr(v, "endpoint", "") == "order")
    with app.test_request_context("/admin/order/"):
        rows, _count = view.export_query(None, [])
    if typed:
        rows = rows.with_only_columns(*view.export_spec().typed_expressions())
    return str(rows.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def _rows(app, sql: str) -> Iterator[tuple]:
    """Yield the header then every row of ``sql``, read with the driver's own cursor."""
    from backoffice.extensions import db

    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.database)
        try:
            cursor = conn.execute(sql)
            yield tuple(d[0] for d in cursor.description)
            while batch := cursor.fetchmany(BATCH):
                yield from batch
        finally:
            conn.close()
        return
    import psycopg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor(name="baseline") as cursor:
        cursor.itersize = BATCH
        cursor.execute(sql)
        first = True
        for row in cursor:
            if first:
                yield tuple(d.name for d in cursor.description)
                first = False
            yield row


def run_baseline(app, fmt: str) -> dict:
    """Export every order as ``fmt`` (csv or xlsx) the raw way; rows, seconds, bytes."""
    sql = order_export_sql(app, typed=fmt == "xlsx")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        rows = _write_csv(app, sql, out) if fmt == "csv" else _write_xlsx(app, sql, out)
        size = out.tell()
    return {"rows": rows, "seconds": time.perf_counter() - started, "bytes": size}


def _write_csv(app, sql: str, out) -> int:
    import io

    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    count = -1  # the header
    for row in _rows(app, sql):
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    return count


def _write_xlsx(app, sql: str, out) -> int:
    from xlsxwriter import Workbook

    # No URL or formula detection: the floor does the least work XlsxWriter can do.
    options = {"strings_to_urls": False, "strings_to_formulas": False}
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as tmpdir:
        book = Workbook(out, {"constant_memory": True, "tmpdir": tmpdir, **options})
        sheet = book.add_worksheet("orders")
        count = 0
        for count, row in enumerate(_rows(app, sql)):  # row 0 is the header
            sheet.write_row(count, 0, row)
        book.close()
    return count
