"""Flask-Limiter on the public sign-in endpoints: 429 pages, JSON, Redis for several workers."""

from __future__ import annotations

import uuid

import pytest

from backoffice.extensions import db
from tests.support.apps import make_app
from tests.support.http import csrf_token

TIGHT = dict(
    RATELIMIT_ENABLED=True,
    LOGIN_RATE_LIMIT="3/minute",
    REGISTER_RATE_LIMIT="2/minute",
    RESET_RATE_LIMIT="2/minute",
)


def post(client, path: str, data: dict | None = None, **kw):
    payload = dict(data or {}, csrf_token=csrf_token(client, path))
    return client.post(path, data=payload, **kw)


def attempts(client, path: str, n: int, data: dict | None = None) -> list[int]:
    return [post(client, path, data).status_code for _ in range(n)]


def test_the_suite_runs_unlimited_unless_a_test_turns_limits_on(app, client, users):
    assert app.config["RATELIMIT_ENABLED"] is False
    assert 429 not in attempts(client, "/login", 15, {"email": "x@example.com", "password": "y"})


@pytest.mark.config(**TIGHT)
@pytest.mark.parametrize(
    ("path", "allowed", "data"),
    [
        ("/login", 3, {"email": "x@example.com", "password": "wrong"}),
        ("/register", 2, {"email": "not-an-email"}),
        ("/reset", 2, {"email": "x@example.com"}),
    ],
)
def test_posts_over_the_limit_get_a_429_page_with_retry_after(app, client, path, allowed, data):
    assert 429 not in attempts(client, path, allowed, data)
    response = post(client, path, data)
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get(path).status_code == 200  # showing the page is not limited


@pytest.mark.config(**TIGHT)
def test_json_clients_get_a_json_429(app, client):
    token = client.get("/login", headers={"Accept": "application/json"}).json["response"]
    headers = {"X-CSRF-Token": token["csrf_token"]}
    body = {"email": "x@example.com", "password": "wrong"}
    codes = [client.post("/login", json=body, headers=headers).status_code for _ in range(3)]
    assert codes == [400, 400, 400]
    response = client.post("/login", json=body, headers=headers)
    assert response.status_code == 429
    assert response.json["status"] == 429
    assert "Too many requests" in response.json["error"]


@pytest.mark.config(**TIGHT)
def test_limits_are_per_client_address(app, client):
    attempts(client, "/login", 3, {"email": "x@example.com", "password": "y"})
    assert post(client, "/login", {"email": "x@example.com"}).status_code == 429
    other = app.test_client()
    token = csrf_token(other, "/login")
    response = other.post(
        "/login",
        data={"email": "x@example.com", "password": "y", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 200


@pytest.fixture
def redis_url():
    """A Redis URL with a key prefix of this test's own (Redis runs on 127.0.0.1:6379)."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return url


def _worker(migrated, app, **settings):
    secrets = {k: app.config[k] for k in ("SECRET_KEY", "SECURITY_PASSWORD_SALT")}
    return make_app(migrated, **secrets, **TIGHT, **settings)


def _three_then_one_more(migrated, app, **settings) -> int:
    """Three logins on one worker, then one on a freshly started second worker."""
    first = _worker(migrated, app, **settings)
    attempts(first.test_client(), "/login", 3, {"email": "x@example.com", "password": "y"})
    second = _worker(migrated, app, **settings)
    status = post(second.test_client(), "/login", {"email": "x@example.com"}).status_code
    for each in (first, second):
        with each.app_context():
            db.engine.dispose()
    return status


def test_redis_storage_shares_the_count_between_workers(app, migrated, redis_url):
    prefix = f"backoffice-test-{uuid.uuid4().hex}"
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix}
    assert _three_then_one_more(migrated, app, **settings) == 429


def test_memory_storage_counts_per_process(app, migrated):
    # The contrast that makes the Redis test meaningful: a new process starts from zero.
    assert _three_then_one_more(migrated, app, RATELIMIT_STORAGE_URI="memory://") == 200
