"""Text stored before the edge refused it still renders and exports (U+FFFD in its place).

A JSON column keeps ``"\\ud800"`` as written, on SQLite and PostgreSQL alike, and reads
back as an unpaired surrogate that UTF-8 cannot encode.
"""

from __future__ import annotations

import csv
import io

import pytest

from backoffice.extensions import db
from backoffice.models import AuditLog
from backoffice.text import utf8

HOSTILE = "\ud800@example.com"
SHOWN = "\ufffd@example.com"


@pytest.fixture
def stored(app, users):
    """Three entries, the middle one holding an unpaired surrogate, inserted directly."""
    with app.app_context():
        for summary, email in [("first", "a@example.com"), ("middle", HOSTILE), ("last", "b")]:
            db.session.add(AuditLog(action="reset", summary=summary, changes={"email": email}))
            db.session.flush()
        entry_id = db.session.scalar(db.select(AuditLog.id).filter_by(summary="middle"))
        db.session.commit()
    return entry_id


def test_the_audit_log_list_and_details_show_a_replacement(staff_client, stored):
    for url in ["/admin/auditlog/", f"/admin/auditlog/details/?id={stored}"]:
        response = staff_client.get(url)
        assert response.status_code == 200
        assert SHOWN in response.get_data(as_text=True)


def test_the_csv_export_writes_every_row(staff_client, stored):
    response = staff_client.get("/admin/auditlog/export/csv/?flt0_action_equals=reset")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    changes = {row["Summary"]: row["Changes"] for row in rows}
    assert set(changes) == {"first", "middle", "last"}
    assert SHOWN in changes["middle"]


def test_utf8_keeps_every_character_it_can():
    assert utf8("plain é") == "plain é".encode()
    # A pair split over two code points is one character; a lone half is not.
    assert utf8("a\ud83d\ude00 \udc80b") == "a😀 \ufffdb".encode()
