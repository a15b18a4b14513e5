"""Every admin list runs a fixed number of SQL statements, whatever its page size (no N+1)."""

from __future__ import annotations

import re

import pytest

from tests.admin.listing import LISTS, fill, recorded_sql, row_count

#: Most statements a list page may run: the signed-in user, the count (estimate and/or
#: exact), the page of rows, one eager load per collection shown (a user's roles and
#: passkeys, for the "Second factor" column), and the navbar's count of your own running
#: jobs (one, whatever the page).
MAX_STATEMENTS = 8

#: Lists with filters, search and sorts, whose pages still hold 100+ rows.
VARIANTS = (
    "/admin/order/?search=example.com",
    "/admin/order/?flt0_status_in_list=pending,paid,shipped,delivered,cancelled&sort=3&desc=1",
    "/admin/user/?flt0_status_equals=1&sort=1",
    "/admin/userprofile/?sort=6",
    "/admin/auditlog/?flt0_model_equals=Order",
)


@pytest.fixture
def many_rows(app, users):
    fill(app, rows=120)


def statements_for(app, client, url: str) -> tuple[list, str]:
    with recorded_sql(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return seen, response.get_data(as_text=True)


def _with(url: str, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


@pytest.mark.parametrize("url", LISTS + VARIANTS)
def test_list_page_runs_the_same_statements_at_25_and_100_rows(app, admin_client, many_rows, url):
    small, small_html = statements_for(app, admin_client, _with(url, page_size=25))
    large, large_html = statements_for(app, admin_client, _with(url, page_size=100))
    assert (row_count(small_html), row_count(large_html)) == (25, 100)
    assert len(small) == len(large), [s for s, _ in large]
    assert len(large) <= MAX_STATEMENTS, [s for s, _ in large]


def cells(html: str, column: str) -> list[str]:
    """The text of every cell of ``column`` on a list page."""
    pattern = rf'<td class="col-{re.escape(column)}">\s*(.*?)\s*</td>'
    return re.findall(pattern, html, flags=re.S)


def test_eager_loaded_columns_are_really_on_the_page(app, admin_client, many_rows):
    """The relations the fixed statements load are the ones the columns show."""
    _, html = statements_for(app, admin_client, "/admin/user/?page_size=100")
    assert sum("-thumb.webp" in c for c in cells(html, "profile.avatar")) == 100
    assert sum(c == "staff" for c in cells(html, "roles")) >= 30
    assert all(cells(html, "profile.full_name"))
    _, html = statements_for(app, admin_client, "/admin/userprofile/?page_size=100")
    assert all(c.endswith("@example.com") for c in cells(html, "user.email"))
    _, html = statements_for(app, admin_client, "/admin/order/?page_size=100")
    assert sum(c.endswith("@example.com") for c in cells(html, "user.email")) == 100
