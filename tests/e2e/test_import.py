"""An admin imports books from a supplier's XLSX with one bad row: upload, map the one
column nothing proposes, dry run, the preview names the bad row, its CSV downloads with
the reason, apply skips it, the books list shows the new books and the audit log the
import."""

from __future__ import annotations

import csv
import re

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.ui import log_in
from tests.imports.files import write_xlsx

# The worker polls an idle queue less and less often (Huey's back-off, up to 10 s).
JOB_TIMEOUT_MS = 40_000
HEADERS = ["ISBN13", "Name of the book", "Author", "Price", "Qty"]
GOOD = [
    ["978-0-14-044913-6", "Crime and Punishment (e2e)", "Fyodor Dostoevsky", 12.5, 4],
    ["9780306406157", "Signal Processing (e2e)", "A. Author", 30, 2],
]
BAD = ["9780131103627", "Negative Price (e2e)", "Nobody", -1, 1]


def test_admin_imports_books_from_xlsx_with_one_bad_row(journey, world):
    isbns = ("9780140449136", "9780306406157", "9780131103627")
    before = world.scalar(
        "SELECT count(*) FROM books WHERE isbn IN (:a, :b, :c)", a=isbns[0], b=isbns[1], c=isbns[2]
    )
    assert before == 0, "the demo data already holds one of these ISBNs"
    path = write_xlsx(journey.path("supplier-books", ".xlsx"), [HEADERS, GOOD[0], BAD, GOOD[1]])
    page = journey.new_page("admin")
    log_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/account/$"))

    # Upload: the kind and the file.
    page.goto("/admin/import/")
    page.get_by_label("Import", exact=True).select_option("book")
    page.get_by_label("CSV or XLSX file").set_input_files(path)
    journey.shot(page, "import-upload")
    page.get_by_role("button", name="Upload and map columns").click()

    # Map: the headers that name a field are proposed; the title's column is chosen here.
    expect(page).to_have_url(re.compile(r"/admin/import/map$"))
    expect(page.get_by_label("isbn", exact=True)).to_have_value("ISBN13")
    expect(page.get_by_label("title", exact=True)).to_have_value("")
    page.get_by_label("title", exact=True).select_option("Name of the book")
    journey.shot(page, "import-map")
    page.get_by_role("button", name="Dry run").click()

    # Preview (it refreshes itself until the worker has run the dry run).
    expect(page).to_have_url(re.compile(r"/admin/import/preview/\d+$"))
    counts = page.locator(".import-counts")
    expect(counts).to_contain_text("2 new", timeout=JOB_TIMEOUT_MS)
    expect(counts).to_contain_text("1 error")
    errors = page.locator("table.import-errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors).to_contain_text("Must be greater than 0.")
    expect(errors.locator("td").first).to_have_text("3")  # the line in the file
    expect(page.locator("table.import-new")).to_contain_text("Crime and Punishment (e2e)")
    assert world.scalar("SELECT count(*) FROM books WHERE title LIKE '%(e2e)'") == 0
    journey.shot(page, "import-preview")

    # The rows in error, in the file's layout with the reason.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rows in error").click()
    saved = journey.path("import-errors", ".csv")
    download.value.save_as(saved)
    with saved.open(newline="", encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == [*HEADERS, "error"]
    assert len(rows) == 1
    assert rows[0][:3] == BAD[:3]
    assert rows[0][-1] == "price: Must be greater than 0."

    # Apply: the good rows land, the bad one is skipped; the job's page follows it.
    page.get_by_role("button", name=re.compile(r"^Apply: 2 new, 0 updates")).click()
    expect(page).to_have_url(re.compile(r"/admin/jobs/\d+/$"))
    job_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    row = page.locator(f"#job-{job_id}")
    expect(row.locator("[data-field='state']")).to_have_text("done", timeout=JOB_TIMEOUT_MS)
    journey.shot(page, "import-applied")

    page.goto("/admin/book/?search=(e2e)")
    listing = page.locator("table.model-list")
    expect(listing).to_contain_text("Crime and Punishment (e2e)")
    expect(listing).to_contain_text("Signal Processing (e2e)")
    expect(listing).not_to_contain_text("Negative Price (e2e)")
    journey.shot(page, "import-books")
    assert world.scalar("SELECT count(*) FROM books WHERE title LIKE '%(e2e)'") == 2

    page.goto("/admin/auditlog/?search=import")
    rows = page.locator("table.model-list tbody tr")
    entry = rows.filter(has=page.get_by_role("cell", name="import", exact=True))
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(ADMIN[0])
    expect(entry).to_contain_text(f"Import: {path.name} (book)")
    expect(entry).to_contain_text("2 created")
    expect(entry).to_contain_text("1 error")
    journey.shot(page, "import-audit")
