"""Posting admin forms like a browser, and the sample form data the CRUD tests share."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from tests.support.http import csrf_token

PRODUCT = {
    "name": "Fountain Pen",
    "sku": "pen-001",
    "category": "stationery",
    "description": "Blue ink",
    "price": "24.90",
    "stock": "12",
    "is_available": "y",
}
BOOK = {
    "title": "The Left Hand of Darkness",
    "author": "Ursula K. Le Guin",
    "isbn": "978-0-441-47812-5",
    "publisher": "Ace",
    "published_year": "1969",
    "genre": "fiction",
    "price": "11.00",
    "stock": "4",
    "is_available": "y",
}


def submit(client, url, data):
    """POST an admin form with a valid CSRF token."""
    payload = dict(data, csrf_token=csrf_token(client))
    return client.post(url, data=payload)


def count(app, model) -> int:
    """Rows in ``model``'s table."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def errors_in(response) -> str:
    """The page text, where form errors are shown."""
    return response.get_data(as_text=True)
