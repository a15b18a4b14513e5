"""Posting bulk actions like a browser: confirm or apply, ticked rows or all matches."""

from __future__ import annotations

from tests.support.http import csrf_token


def bulk(client, model: str, action: str, *, rows=(), scope=None, query="", step="apply", **params):
    """POST /admin/<model>/bulk/[apply]; ``rows`` ticks rows, else ``scope`` defaults to all."""
    data = {"action": action, "scope": scope or ("selected" if rows else "all"), **params}
    if rows:
        data["rowid"] = [str(r) for r in rows]
    data["csrf_token"] = csrf_token(client)
    suffix = "apply" if step == "apply" else ""
    return client.post(f"/admin/{model}/bulk/{suffix}{query}", data=data)


def flashed(client, response) -> str:
    """The page the action redirected to (carrying its flash message)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)
