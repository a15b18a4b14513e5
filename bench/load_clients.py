"""The load test's clients: browser-like sessions over http.client, and the request mix.

Each client thread holds a staff session (lists, exports, order placements through the
admin's create form), a customer session of its own (avatar uploads, so one user's
uploads never race each other) and an API connection (orders placed with an API key,
``bench/load_api.py``, given in ``Plan.handlers``), and opens a fresh session for every
login. Every
request is recorded as (kind, status, seconds); placements and uploads also record what
the server must now hold, for the checks after the run.
"""

from __future__ import annotations

import http.client
import io
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench.common import SETUP_KEY

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
AVATAR_KEY = re.compile(r'src="/media/(avatars/[0-9a-f]{32}\.webp)"')
#: Request kinds and their default weights in the mix.
MIX = {"login": 5, "list": 40, "export": 5, "order": 20, "avatar": 15, "api order": 15}


class Session:
    """One browser: a keep-alive connection and a cookie jar (flags ignored: plain HTTP)."""

    def __init__(self, port: int, record) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.record = record
        self.token: str | None = None
        self.location = ""  # the last answer's Location header

    def request(self, kind: str, method: str, path: str, body=None, headers=None):
        """``(status, body)``; the timing and status go to ``record`` under ``kind``."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.record(kind, 0, time.perf_counter() - started)
            return 0, b""
        self.record(kind, response.status, time.perf_counter() - started)
        self.location = response.headers.get("Location", "")
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, data

    def form(self, kind: str, path: str, data: dict):
        """POST an urlencoded form with this session's CSRF token."""
        body = urlencode({**data, "csrf_token": self.token})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(kind, "POST", path, body, headers)

    def fetch_token(self, kind: str, path: str) -> bool:
        """Read the CSRF token from a page (valid for the whole session)."""
        status, body = self.request(kind, "GET", path)
        match = CSRF.search(body.decode(errors="replace"))
        self.token = match.group(1) if match else None
        return status == 200 and self.token is not None

    def login(self, email: str, password: str) -> bool:
        """The real login form: GET for the token, POST the credentials."""
        if not self.fetch_token("login page", "/login"):
            return False
        status, _ = self.form("login", "/login", {"email": email, "password": password})
        if status == 302 and self.location.endswith("/tf-setup"):
            return self.set_up_authenticator()
        return status == 302

    def set_up_authenticator(self) -> bool:
        """Staff without a second factor (issue 15): set the authenticator up as a browser
        would, the key read off the page and the code from pyotp."""
        import pyotp

        status, body = self.form("tf setup", "/tf-setup", {"setup": "authenticator"})
        key = SETUP_KEY.search(body.decode(errors="replace")) if status == 200 else None
        if key is None:
            return False
        code = pyotp.TOTP(key.group(1).replace("-", "")).now()
        status, _ = self.form("tf setup", "/tf-validate", {"code": code})
        return status == 302


def png(rng: random.Random) -> bytes:
    """A small PNG picture, different every time."""
    from PIL import Image

    colour = tuple(rng.randrange(256) for _ in range(3))
    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def multipart(fields: dict, name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and one file; (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Results:
    """Everything the clients saw, shared by the threads (appends are atomic in CPython)."""

    timings: list = field(default_factory=list)  # (kind, status, seconds)
    placements: list = field(default_factory=list)  # (address, status, [(product, qty)])
    avatars: dict = field(default_factory=dict)  # user id -> key of the last success
    uploads: list = field(default_factory=list)  # (user id, status)
    api_answers: list = field(default_factory=list)  # (address, [status], [order id])

    def record(self, kind: str, status: int, seconds: float) -> None:
        """One request's outcome."""
        self.timings.append((kind, status, seconds))


@dataclass
class Plan:
    """What the clients request: accounts, the goods to buy, the list pages."""

    port: int
    staff: tuple[str, str]
    customers: list  # (id, email) with the demo password
    customer_password: str
    hot_products: list[int]
    lists: list[str]
    exports: list[str]
    mix: dict = field(default_factory=lambda: dict(MIX))
    api_key: str = ""
    hot_skus: dict = field(default_factory=dict)  # product id -> SKU
    #: Kinds of the mix handled elsewhere: kind -> f(session, plan, results, rng).
    handlers: dict = field(default_factory=dict)


def _ignore(kind: str, status: int, seconds: float) -> None:
    """Sign-in before the clock starts is not measured."""


def client(plan: Plan, results: Results, me: tuple[int, str], start, clock: dict, seed: int):
    """One client thread: sign in, wait for the others, then the mix until the deadline."""
    rng = random.Random(seed)
    staff, customer = Session(plan.port, _ignore), Session(plan.port, _ignore)
    ready = (
        staff.login(*plan.staff)
        and staff.fetch_token("form page", "/admin/order/new/")
        and customer.login(me[1], plan.customer_password)
        and customer.fetch_token("account page", "/account/avatar/")
    )
    start.wait()
    if not ready:
        results.record("sign-in failed", 0, 0.0)
        return
    staff.record = customer.record = results.record
    api = Session(plan.port, results.record)
    kinds, weights = zip(*plan.mix.items(), strict=True)
    while time.monotonic() < clock["deadline"]:
        kind = rng.choices(kinds, weights)[0]
        if kind == "login":
            Session(plan.port, results.record).login(
                rng.choice(plan.customers)[1], plan.customer_password
            )
        elif kind == "list":
            staff.request("list", "GET", rng.choice(plan.lists))
        elif kind == "export":
            staff.request("export", "GET", rng.choice(plan.exports))
        elif kind == "order":
            _place(staff, plan, results, rng)
        elif kind in plan.handlers:
            plan.handlers[kind](api, plan, results, rng)
        else:
            _upload(customer, me[0], results, rng)


def _place(staff: Session, plan: Plan, results: Results, rng: random.Random) -> None:
    lines = [(p, rng.randint(1, 3)) for p in rng.sample(plan.hot_products, rng.choice((1, 1, 2)))]
    address = f"LT-{uuid.uuid4().hex}"
    data = {"user": str(rng.choice(plan.customers)[0]), "shipping_address": address}
    for n, (product, quantity) in enumerate(lines):
        data[f"items-{n}-product"] = str(product)
        data[f"items-{n}-quantity"] = str(quantity)
    status, _ = staff.form("order", "/admin/order/new/", data)
    results.placements.append((address, status, lines))


def _upload(customer: Session, user_id: int, results: Results, rng: random.Random) -> None:
    body, content_type = multipart({"csrf_token": customer.token}, "avatar", "me.png", png(rng))
    status, _ = customer.request(
        "avatar", "POST", "/account/avatar/", body, {"Content-Type": content_type}
    )
    results.uploads.append((user_id, status))
    if status == 302:  # the page now shows the stored picture: which key it got
        _, page = customer.request("account page", "GET", "/account/avatar/")
        match = AVATAR_KEY.search(page.decode(errors="replace"))
        results.avatars[user_id] = match.group(1) if match else None


def run_clients(plan: Plan, clients: int, seconds: float, on_start=None) -> tuple[Results, float]:
    """``clients`` threads for ``seconds`` (after all signed in); results and duration.

    ``on_start`` is called once when the measured period begins.
    """
    results = Results()
    clock: dict[str, float] = {}

    def go() -> None:  # runs once, when every thread has signed in
        if on_start is not None:
            on_start()
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + seconds

    start = threading.Barrier(clients + 1, action=go)
    threads = [
        threading.Thread(
            target=client,
            args=(plan, results, plan.customers[n], start, clock, n),
            name=f"client-{n}",
            daemon=True,
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=300)
    for thread in threads:
        thread.join(seconds + 120)
    return results, time.monotonic() - clock["started"]
