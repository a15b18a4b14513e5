"""Per-key rate limits: 429 problem with Retry-After, each key counted apart, memory or Redis."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer
from tests.support.factories import add_api_key


@pytest.fixture(params=["memory://", "redis://127.0.0.1:6379"])
def app_config(request, app_config):
    """Rate limits on, counted in memory or in Redis (as several workers share them)."""
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": request.param,
        "API_RATE_LIMIT": "3/minute",
    }


def test_each_key_has_its_own_limit_answered_429_with_retry_after(app, client):
    first = bearer(add_api_key(app, "first"))
    second = bearer(add_api_key(app, "second"))
    for _ in range(3):
        assert client.get("/api/v1/products", headers=first).status_code == 200
    limited = client.get("/api/v1/products", headers=first)
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/products", headers=second).status_code == 200
