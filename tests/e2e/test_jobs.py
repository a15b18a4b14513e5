"""An admin exports a filtered list in the background: the job waits in the queue, the
worker beside the server runs it, the Jobs page follows it live to 100 %, the file
downloads with the list's rows and columns, and the navbar's count follows along."""

from __future__ import annotations

import csv
import re

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.ui import add_filter, log_in

# The worker polls an idle queue less and less often (Huey's back-off, up to 10 s).
JOB_TIMEOUT_MS = 40_000

# Every value the progress bar takes, recorded in the page (Playwright's evaluate is
# not a page script, so the CSP does not apply to it).
WATCH_BAR = """
(bar) => {
  window.barValues = [bar.getAttribute("aria-valuenow")];
  new MutationObserver(() => window.barValues.push(bar.getAttribute("aria-valuenow")))
    .observe(bar, {attributes: true, attributeFilter: ["aria-valuenow"]});
  window.samePage = true;
}
"""

# Resolves once the bar fills its track (Bootstrap's width transition has ended).
GROWN = """
(bar) => new Promise((done) => {
  const full = () => bar.getBoundingClientRect().width >= bar.parentElement.clientWidth - 1;
  const check = () => (full() ? done(true) : requestAnimationFrame(check));
  check();
})
"""
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def read_csv(path) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a downloaded CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def test_admin_exports_a_filtered_list_in_the_background(journey, world):
    page = journey.new_page("admin")
    log_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/account/$"))
    running = page.locator("#active-jobs")
    expect(running).to_be_hidden()  # no job of the admin's is queued or running

    # The orders list, filtered: its count and its own (in-request) export.
    page.goto("/admin/order/")
    add_filter(page, "Status", "Paid")
    everything = page.get_by_label("Apply to").locator("option[value='all']").inner_text()
    count = int(re.search(r"on all (\d+) matching", everything)[1])
    paid = world.column("SELECT id FROM orders WHERE status = 'paid'")
    assert count == len(paid) > 2  # more than one batch of the run's JOB_BATCH_SIZE (2)
    with page.expect_download() as direct:
        page.get_by_role("link", name="Export CSV").click()
    direct_path = journey.path("orders-direct", ".csv")
    direct.value.save_as(direct_path)

    # Started while the worker is busy elsewhere (paused): the job waits in the queue.
    world.worker.pause()
    try:
        page.get_by_role("button", name="Export in the background").click()
        expect(page).to_have_url(re.compile(r"/admin/jobs/#job-\d+$"))
        job_id = int(page.url.rsplit("-", 1)[1])
        expect(page.get_by_role("alert")).to_contain_text(
            f"Started in the background: job {job_id}."
        )
        row = page.locator(f"#job-{job_id}")
        expect(row.locator("[data-field='state']")).to_have_text("queued")
        expect(row.get_by_role("button", name="Cancel")).to_be_visible()
        expect(running).to_be_visible()
        expect(running.locator("[data-field='active-jobs']")).to_have_text("1")
        assert world.scalar("SELECT state FROM jobs WHERE id = :j", j=job_id) == "queued"
        journey.shot(page, "job-queued")
        row.locator("[data-field='bar']").evaluate(WATCH_BAR)
    finally:
        world.worker.resume()

    # The worker takes it; the page follows without reloading, to 100 %.
    bar = row.locator("[data-field='bar']")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=JOB_TIMEOUT_MS)
    expect(row.locator("[data-field='state']")).to_have_text("done")
    expect(row.locator("[data-field='count']")).to_have_text(f"{count} / {count}")
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    for cell in ("started", "finished"):  # written by the page's script from the status
        expect(row.locator(f"[data-field='{cell}']")).to_have_text(TIME)
    expect(running).to_be_hidden()  # the navbar's count followed, on this page too
    assert page.evaluate("window.samePage") is True  # no reload
    values = [int(v) for v in page.evaluate("window.barValues")]
    assert values == sorted(values), values
    assert values[-1] == 100
    bar.evaluate(GROWN)  # Bootstrap animates the bar's width: the shot waits for it
    journey.shot(page, "job-done")

    # Its own page, then the file: the filtered list's rows and the list export's columns.
    row.get_by_role("link", name=str(job_id), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/admin/jobs/{job_id}/$"))
    expect(page.locator("tr[data-job]")).to_have_count(1)
    with page.expect_download() as background:
        page.locator(f"#job-{job_id}").get_by_role("link", name="Download").click()
    assert re.fullmatch(r"orders-\d{8}T\d{6}Z\.csv", background.value.suggested_filename)
    background_path = journey.path("orders-background", ".csv")
    background.value.save_as(background_path)
    header, rows = read_csv(background_path)
    assert (header, rows) == read_csv(direct_path)
    assert len(rows) == count
    assert sorted(int(r[header.index("Order")]) for r in rows) == sorted(paid)
    assert {r[header.index("Status")] for r in rows} == {"paid"}
    journey.shot(page, "job-page")
