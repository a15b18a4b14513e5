"""Work held for the transaction: done at the outermost commit, dropped with what rolls back."""

from __future__ import annotations

import pytest

from backoffice.after_commit import Held
from backoffice.extensions import db

committed: list = []
dropped: list = []
HELD = Held("test_after_commit", committed=committed.extend, dropped=dropped.extend)


@pytest.fixture(autouse=True)
def _fresh():
    committed.clear()
    dropped.clear()


def test_items_wait_for_the_commit_and_a_rollback_drops_them(app):
    with app.app_context():
        HELD.add("a")
        db.session.flush()
        assert committed == []
        db.session.commit()
        assert (committed, dropped) == (["a"], [])
        HELD.add("b")
        db.session.rollback()
        db.session.commit()  # a later commit does not bring the dropped item back
    assert (committed, dropped) == (["a"], ["b"])


def test_a_session_closed_without_commit_drops_its_items(app):
    with app.app_context():
        HELD.add("a")
    assert (committed, dropped) == ([], ["a"])


def test_a_savepoint_keeps_its_items_for_the_enclosing_transaction(app):
    with app.app_context():
        HELD.add("outer")
        savepoint = db.session.begin_nested()
        HELD.add("released")
        savepoint.commit()
        assert committed == []  # the enclosing transaction can still roll back
        savepoint = db.session.begin_nested()
        HELD.add("rolled back")
        savepoint.rollback()
        assert dropped == ["rolled back"]
        db.session.commit()
    assert (committed, dropped) == (["outer", "released"], ["rolled back"])
