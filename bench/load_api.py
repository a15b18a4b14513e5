"""The load test's API clients: orders placed with ``POST /api/v1/orders`` and retried.

A storefront sends every order with an ``Idempotency-Key`` and retries it (same key, same
body) when the answer is lost or says "try again" (409 in progress, 429, 5xx, no
answer). Here one placement in three also pretends its answer was lost:

- a *late retry*: the same request again after the answer came (must replay it);
- a *retry storm*: the same request sent at once from ``STORM`` connections (one order).

Each placement records ``(address, status, lines)`` like the admin's (201 placed, 422
refused) and the order ids every answer named; ``load_checks`` then verifies that each
address was stored once (or not at all) and that every answer named the same order.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid

from bench.common import manage
from bench.load_clients import Results, Session

#: Statuses a client retries with the same key and body.
RETRYABLE = {0, 409, 429, 500, 502, 503, 504}
ATTEMPTS = 5
#: Connections sending the same request at once in a retry storm.
STORM = 4


def make_key(env: dict) -> str:
    """A key that may place orders, made with the CLI (which prints it last)."""
    out = manage(env, "api-key", "create", "load-test", "--scope", "orders:write", quiet=True)
    return out.strip().splitlines()[-1]


def send(session: Session, kind: str, body: str, headers: dict) -> tuple[int, int | None]:
    """Send until the answer is final (or the attempts run out); ``(status, order id)``."""
    status, order_id = 0, None
    for attempt in range(ATTEMPTS):
        status, data = session.request(kind, "POST", "/api/v1/orders", body, headers)
        if status not in RETRYABLE:
            if status == 201:
                order_id = json.loads(data)["id"]
            break
        kind = "api retry"
        time.sleep(0.05 * 2**attempt)
    return status, order_id


def place(session: Session, plan, results: Results, rng: random.Random) -> None:
    """Place one order through the API, maybe retried; record what the server answered."""
    lines = [(p, rng.randint(1, 3)) for p in rng.sample(plan.hot_products, rng.choice((1, 1, 2)))]
    address = f"LT-API-{uuid.uuid4().hex}"
    body = json.dumps(
        {
            "customer_id": rng.choice(plan.customers)[0],
            "shipping_address": address,
            "items": [{"sku": plan.hot_skus[p], "quantity": q} for p, q in lines],
        }
    )
    headers = {
        "Authorization": f"Bearer {plan.api_key}",
        "Content-Type": "application/json",
        "Idempotency-Key": f"lt-{uuid.uuid4().hex}",
    }
    draw = rng.random()
    if draw < 1 / 6:
        answers = _storm(plan.port, results, body, headers)
    else:
        answers = [send(session, "api order", body, headers)]
        if draw < 1 / 3:  # the answer was "lost": the same request again
            answers.append(send(session, "api late retry", body, headers))
    placed = [order_id for status, order_id in answers if status == 201]
    status = 201 if placed else answers[-1][0]
    results.placements.append((address, status, lines))
    results.api_answers.append((address, [s for s, _ in answers], placed))


def _storm(port: int, results: Results, body: str, headers: dict) -> list:
    """The same request from ``STORM`` connections at once; their final answers."""
    answers: list = []
    gate = threading.Barrier(STORM)

    def one() -> None:
        session = Session(port, results.record)
        gate.wait()
        answers.append(send(session, "api storm", body, headers))
        session.conn.close()

    threads = [threading.Thread(target=one, daemon=True) for _ in range(STORM)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers
