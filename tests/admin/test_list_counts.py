"""List counts: an estimate for a big unfiltered table, exact when filtered or small.

"Big" is LIST_COUNT_ESTIMATE_THRESHOLD; the tests lower it to a few rows. The estimate
is PostgreSQL's planner statistics (refreshed here with ANALYZE) or SQLite's id span;
both still count rows deleted since, which is how the tests tell estimate from exact.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete

from backoffice.extensions import db
from backoffice.models import Order, OrderItem
from backoffice.services.counts import ListCount, settle_count
from tests.admin.bulk_helpers import bulk
from tests.admin.listing import recorded_sql, refresh_statistics
from tests.support.factories import add_order, add_product

ORDERS = 30


@pytest.fixture
def orders(app, users) -> list[int]:
    """ORDERS pending orders, statistics refreshed, then three deleted behind their back."""
    product = add_product(app, stock=1000)
    ids = [add_order(app, users["customer"], [(product, 1)]) for _ in range(ORDERS)]
    refresh_statistics(app, "orders")
    gone = ids[10:13]
    with app.app_context():
        db.session.execute(delete(OrderItem).where(OrderItem.order_id.in_(gone)))
        db.session.execute(delete(Order).where(Order.id.in_(gone)))
        db.session.commit()
    return [i for i in ids if i not in gone]


def header(html: str) -> str:
    """The count in the list's tab: "List (27)" or "List (about 30)"."""
    return re.search(r"List \(([^)]*)\)", html).group(1)


def bulk_scope(html: str) -> str:
    """The bulk bar's "all matching" option text."""
    return re.search(r'<option value="all">([^<]*)</option>', html).group(1)


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=10)
def test_a_big_unfiltered_list_shows_an_estimate(app, admin_client, orders):
    html = admin_client.get("/admin/order/").get_data(as_text=True)
    assert header(html) == "about 30"
    assert bulk_scope(html) == "on all about 30 matching orders"
    # the pager is worked out from the estimate: two pages of 25
    assert "page=1" in html


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=10)
def test_the_estimate_never_counts_every_row(app, admin_client, orders):
    with recorded_sql(app) as seen:
        admin_client.get("/admin/order/")
    # (The navbar's count of your own running jobs is one indexed COUNT on jobs.)
    assert not [s for s, _ in seen if "count(" in s.lower() and "FROM jobs" not in s]


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=10)
def test_filtered_and_searched_lists_are_counted_exactly(app, admin_client, orders):
    html = admin_client.get("/admin/order/?flt0_status_equals=pending").get_data(as_text=True)
    assert header(html) == "27"
    assert bulk_scope(html) == "on all 27 matching orders"
    html = admin_client.get("/admin/order/?search=customer@").get_data(as_text=True)
    assert header(html) == "27"


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=1000)
def test_a_table_below_the_threshold_is_counted_exactly(app, admin_client, orders):
    html = admin_client.get("/admin/order/").get_data(as_text=True)
    assert header(html) == "27"
    assert bulk_scope(html) == "on all 27 matching orders"


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=10)
def test_the_last_page_turns_the_estimate_into_the_exact_count(app, admin_client, orders):
    html = admin_client.get("/admin/order/?page=1").get_data(as_text=True)
    assert header(html) == "27"
    assert html.count('name="rowid"') == 2


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=10)
def test_the_bulk_confirmation_counts_exactly(app, admin_client, orders):
    response = bulk(admin_client, "order", "mark_paid", step="confirm")
    html = response.get_data(as_text=True)
    assert "Apply to all 27 matching orders?" in html
    assert "about" not in html


def test_list_count_prints_itself():
    assert str(ListCount(1234)) == "1,234"
    assert str(ListCount(1_000_000, approximate=True)) == "about 1,000,000"
    assert ListCount(-3) == 0  # a stale estimate never goes below zero


@pytest.mark.parametrize(
    ("estimate", "page", "shown", "expected"),
    [
        (30, 0, 25, "about 30"),  # a full page inside the estimate: keep it
        (30, 1, 2, "27"),  # a short page: the list ends here, exactly
        (30, 0, 0, "0"),  # nothing at all
        (30, 3, 0, "about 30"),  # past the end: nothing learnt
        (60, 1, 25, "about 60"),
        (40, 1, 25, "about 51"),  # a full page at or past the estimate: at least one more
    ],
)
def test_settle_count(estimate, page, shown, expected):
    count = settle_count(ListCount(estimate, approximate=True), page, 25, shown)
    assert str(count) == expected
    assert str(settle_count(ListCount(27), page, 25, shown)) == "27"  # exact stays exact
