"""After the load test: what the clients were told must be what the database holds.

- no stock below zero, and for every product: stock before - stock after = units in
  the orders placed during the run (nothing oversold, nothing lost or invented);
- every placement answered 302 (the admin form) or 201 (the API) exists exactly once,
  with the lines that were sent; every refused one (200, the form with its error; 422
  from the API) does not exist at all; no order of the run exists that no client placed.
  So an API order retried with its Idempotency-Key (late, or ten at once) was placed
  once, and every answer to it named that one order;
- every customer whose upload succeeded has, as avatar, the key the last successful
  upload showed, and its files (picture and thumbnail) exist; no picture file is left
  that no profile refers to.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import create_engine, text

PREFIX = "LT-"  # shipping addresses of the orders placed by the load test


def stock(url: str) -> dict[int, int]:
    """Every product's stock."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, stock FROM products")).all())
    engine.dispose()
    return rows


def check(url: str, stock_before: dict[int, int], results, upload_dir: str) -> list[str]:
    """The broken invariants, as sentences (empty when all hold)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        negative = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM products WHERE stock < 0)"
                " + (SELECT count(*) FROM books WHERE stock < 0)"
            )
        ).scalar()
        lines = conn.execute(
            text(
                "SELECT o.shipping_address, o.id, i.product_id, i.quantity FROM orders o"
                " JOIN order_items i ON i.order_id = o.id WHERE o.shipping_address LIKE :p"
            ),
            {"p": PREFIX + "%"},
        ).all()
        after = dict(conn.execute(text("SELECT id, stock FROM products")).all())
        users = list(results.avatars)
        avatars = dict(
            conn.execute(
                text("SELECT user_id, avatar FROM user_profiles WHERE user_id = ANY(:ids)"),
                {"ids": users},
            ).all()
        )
        referenced = {
            key
            for (key,) in conn.execute(
                text("SELECT avatar FROM user_profiles WHERE avatar IS NOT NULL")
            )
        }
    engine.dispose()
    problems = [f"{negative} rows with negative stock"] if negative else []
    problems += _stock(stock_before, after, lines)
    problems += _placements(results.placements, lines)
    problems += _api_answers(results.api_answers)
    problems += _avatars(results, avatars, referenced, Path(upload_dir))
    return problems


def _stock(before: dict, after: dict, lines) -> list[str]:
    sold: Counter = Counter()
    for _address, _order, product, quantity in lines:
        sold[product] += quantity
    problems = []
    for product, start in before.items():
        if start - after[product] != sold[product]:
            problems.append(
                f"product {product}: stock {start} -> {after[product]} but {sold[product]} sold"
            )
        if sold[product] > start:
            problems.append(f"product {product} oversold: {sold[product]} of {start}")
    return problems


def _placements(placements, lines) -> list[str]:
    stored: dict[str, dict] = defaultdict(lambda: {"orders": set(), "lines": []})
    for address, order, product, quantity in lines:
        stored[address]["orders"].add(order)
        stored[address]["lines"].append((product, quantity))
    problems = []
    sent = set()
    for address, status, wanted in placements:
        sent.add(address)
        found = stored.get(address)
        if status in (302, 201):
            if found is None or len(found["orders"]) != 1:
                problems.append(
                    f"placed {address} stored {0 if found is None else len(found['orders'])} times"
                )
            elif sorted(found["lines"]) != sorted(wanted):
                problems.append(f"placed {address}: stored lines {found['lines']} != sent {wanted}")
        elif status in (200, 422) and found is not None:
            problems.append(f"refused {address} was stored anyway")
        elif status not in (200, 302, 201, 422):
            problems.append(f"placement {address} answered {status} (stored: {found is not None})")
    phantoms = set(stored) - sent
    if phantoms:
        problems.append(f"{len(phantoms)} orders of the run that no client placed")
    return problems


def _api_answers(answers) -> list[str]:
    """Every answer to one API placement (first, retries, a storm) names the same order."""
    problems = []
    for address, statuses, order_ids in answers:
        if len(set(order_ids)) > 1:
            problems.append(f"API placement {address}: answers name orders {sorted(order_ids)}")
        if any(status not in (201, 422) for status in statuses):
            problems.append(f"API placement {address}: final answers {statuses}")
    return problems


def _avatars(results, avatars: dict, referenced: set, root: Path) -> list[str]:
    problems = []
    bad = Counter(status for _user, status in results.uploads if status != 302)
    if bad:
        problems.append(f"uploads not accepted: {dict(bad)}")
    for user, key in results.avatars.items():
        if key is None or avatars.get(user) != key:
            problems.append(f"user {user}: avatar {avatars.get(user)} != last upload {key}")
            continue
        thumbnail = key.replace(".webp", "-thumb.webp")
        if not ((root / key).is_file() and (root / thumbnail).is_file()):
            problems.append(f"user {user}: files of {key} missing")
    stored = {str(p.relative_to(root)) for p in root.rglob("*.webp")}
    expected = referenced | {k.replace(".webp", "-thumb.webp") for k in referenced}
    orphans = stored - expected
    if orphans:
        problems.append(f"{len(orphans)} picture files no profile refers to")
    return problems
