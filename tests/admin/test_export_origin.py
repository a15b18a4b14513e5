"""The GET export runs for our own pages (and scripts), never for a link on another site.

A link or an <img> elsewhere would otherwise make a signed-in browser export the
data and write an audit entry in its user's name.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog

URL = "/admin/order/export/csv/?flt0_status_equals=paid"
LIST = "http://localhost/admin/order/?flt0_status_equals=paid"


def exports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditLog.action == "export"))


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Referer": LIST},  # the list's Export link
        {"Sec-Fetch-Site": "none"},  # typed, or a bookmark
        {"Referer": LIST},  # a browser without Fetch Metadata
        {},  # curl or a script with a session cookie
    ],
)
def test_our_own_navigation_exports(app, staff_client, headers):
    response = staff_client.get(URL, headers=headers)
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("Order,")
    assert exports(app) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"},
        {"Sec-Fetch-Site": "cross-site"},  # Referrer-Policy: no-referrer on the other site
        {"Sec-Fetch-Site": "same-site", "Referer": "https://shop.localhost/"},
        {"Referer": "https://evil.example/page"},  # an older browser
        {"Referer": "http://localhost.evil.example/"},
    ],
)
def test_another_sites_link_neither_streams_nor_audits(app, staff_client, headers):
    response = staff_client.get(URL, headers=headers)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "opened from another site" in page
    assert "Order," not in page
    assert exports(app) == 0
