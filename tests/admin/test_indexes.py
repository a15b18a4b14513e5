"""Every column a list sorts or filters by is indexed, and the list queries use the indexes.

The plans are those of the statements a real list request runs, explained afterwards:
SQLite's EXPLAIN QUERY PLAN (with no statistics, as for a table nobody has analysed),
and PostgreSQL's EXPLAIN with ``enable_seqscan = off`` and ``enable_sort = off``, so
that even the tiny tables of a test show whether an index *can* serve the query: a
sequential scan, or a sort of the rows, is then chosen only when nothing else exists.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from backoffice.extensions import db
from tests.admin.listing import (
    LISTS,
    forget_statistics,
    full_scans,
    plans,
    recorded_sql,
    refresh_statistics,
    sorts,
)
from tests.support.factories import add_book, add_order, add_product

TABLES = {
    "user": "users",
    "userprofile": "user_profiles",
    "product": "products",
    "book": "books",
    "order": "orders",
    "auditlog": "audit_log",
    "notification": "order_notifications",
}

#: The order list as staff use it: the default page, then common filters and sorts.
ORDER_QUERIES = (
    "/admin/order/",
    "/admin/order/?flt0_status_equals=paid",
    "/admin/order/?flt0_created_at_greater_than=2026-01-01+00:00:00"
    "&flt1_created_at_smaller_than=2027-01-01+00:00:00",
    "/admin/order/?flt0_customer_email_equals=customer@example.com",
    "/admin/order/?flt0_status_equals=paid&flt1_customer_email_equals=customer@example.com",
    "/admin/order/?sort=3&desc=1",  # by total, largest first
    "/admin/order/?sort=2",  # by status
    "/admin/order/?flt0_status_equals=pending&sort=3",
    "/admin/order/?flt0_total_greater_than=100",
)


def _views(app):
    return [v for v in app.extensions["backoffice_admin"]._views if getattr(v, "model", None)]


def _leading_columns(inspector, table: str) -> set[str]:
    """Columns that lead an index, a unique constraint or the primary key of ``table``."""
    leading = {i["column_names"][0] for i in inspector.get_indexes(table)}
    leading |= {u["column_names"][0] for u in inspector.get_unique_constraints(table)}
    leading |= set(inspector.get_pk_constraint(table)["constrained_columns"][:1])
    return leading


def _column(attr):
    """The table column behind a sortable or filter attribute (``User.email``...)."""
    column = getattr(attr, "expression", attr)
    return column.table.name, column.name


def test_every_sorted_or_filtered_column_leads_an_index(app):
    with app.app_context():
        inspector = inspect(db.engine)
        missing = []
        for view in _views(app):
            columns = {_column(attr) for attr in view._sortable_columns.values()}
            columns |= {_column(flt.column) for flt in view._filters or ()}
            for table, name in sorted(columns):
                if name not in _leading_columns(inspector, table):
                    missing.append(f"{view.endpoint}: {table}.{name}")
    assert missing == []


def _sortable_urls():
    from backoffice import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="testing")
    urls = []
    for view in _views(app):
        names = [name for name, _ in view._list_columns]
        for name in view._sortable_columns:
            urls.append(f"/admin/{view.endpoint}/?sort={names.index(name)}")
    return urls


@pytest.fixture
def some_rows(app, users):
    """A few rows everywhere (the plans, not the data, are under test)."""
    product = add_product(app)
    add_book(app)
    for _ in range(3):
        add_order(app, users["customer"], [(product, 1)])
    refresh_statistics(app, "orders")  # PostgreSQL: the estimate for unfiltered lists
    forget_statistics(app)


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=0)
@pytest.mark.parametrize("url", ORDER_QUERIES)
def test_order_list_queries_never_scan_the_orders_table(app, admin_client, some_rows, url):
    with recorded_sql(app) as seen:
        assert admin_client.get(url).status_code == 200
    assert "orders" not in full_scans(plans(app, seen))


@pytest.mark.config(LIST_COUNT_ESTIMATE_THRESHOLD=0)
@pytest.mark.parametrize("url", LISTS + tuple(_sortable_urls()))
def test_default_and_sorted_lists_use_an_index(app, admin_client, some_rows, url):
    """Each list in its default order and sorted by each sortable column."""
    table = TABLES[url.split("/")[2]]
    with recorded_sql(app) as seen:
        assert admin_client.get(url).status_code == 200
    plan = plans(app, seen)
    assert {table, "orders"} & full_scans(plan) == set()
    assert sorts(plan) == []
