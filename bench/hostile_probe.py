"""Probe a running app as a hostile user would: production settings, gunicorn, a real socket.

Not a test (the hostile-input suite in tests/hostile/ is): it starts gunicorn with
``BACKOFFICE_ENV=production`` on a fresh database (SQLite, or a scratch PostgreSQL
database with ``--db postgres``), seeds it through ``manage.py``, signs in as an admin
over raw HTTP and sends hostile requests to every admin list, form, id-taking URL and
sign-in endpoint, then counts the answers by status and reads the server log for
tracebacks. Exit status 1 if any answer was a 5xx or the log holds a traceback.

    .venv/bin/python bench/hostile_probe.py --db sqlite
    .venv/bin/python bench/hostile_probe.py --db postgres
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.server import LiveServer, manage, server_env
from tests.support.databases import scratch_postgres
from tests.support.rawhttp import Browser

MODELS = ("user", "userprofile", "product", "book", "order", "auditlog")
#: Raw (already percent-encoded) hostile values for query strings and form bodies.
RAW_VALUES = (
    "%00", "a%00b", "%01", "%7F", "%ED%A0%80", "%FF", "%C3", "x" * 10000,
    "2147483648", "9223372036854775808", "-9223372036854775809", "1" + "0" * 30,
    "NaN", "Infinity", "-Infinity", "sNaN", "1e999999", "2026-13-45", "0000-00-00",
    "99999-01-01", "-1", "0.001", "%205%20", "abc",
)  # fmt: skip
JSON_BODIES = (
    b"[]", b"1", b'"x"', b"null", b'{"email": ["x"]}', b'{"email": "\\ud800@example.com"}',
    b'{"email": NaN}', b"[" * 5000 + b"]" * 5000, b"{", b'{"email": "a\\u0000b@example.com"}',
)  # fmt: skip


class Probe:
    """Sends requests and tallies the answers."""

    def __init__(self, port: int) -> None:
        self.admin = Browser(port)
        self.anon = Browser(port)
        self.statuses: Counter = Counter()
        self.failures: list[str] = []

    def send(self, browser: Browser, method: str, path: str, body: bytes = b"", ctype: str = ""):
        answer = browser.request(method, path, body, ctype)
        self.statuses[answer.status] += 1
        if answer.status >= 500:
            self.failures.append(f"{answer.status} {method} {path[:160]} {body[:80]!r}")
        return answer

    def csrf(self, browser: Browser, path: str) -> str:
        html = self.send(browser, "GET", path).text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        return match.group(1) if match else ""

    def login(self, email: str, password: str) -> None:
        token = self.csrf(self.admin, "/login")
        body = f"csrf_token={quote(token)}&email={quote(email)}&password={quote(password)}"
        answer = self.send(
            self.admin, "POST", "/login", body.encode(), "application/x-www-form-urlencoded"
        )
        if answer.status != 302:
            raise SystemExit(f"admin login failed: {answer.status}")

    def lists(self) -> None:
        for model in MODELS:
            html = self.send(self.admin, "GET", f"/admin/{model}/").text
            filters = sorted(set(re.findall(r"flt\d*_(\w+)=", html))) or ["nosuch"]
            filters += ["nosuch_filter"]
            for value in RAW_VALUES:
                for name in filters:
                    self.send(self.admin, "GET", f"/admin/{model}/?flt0_{name}={value}")
                    self.send(self.admin, "GET", f"/admin/{model}/export/csv/?flt0_{name}={value}")
                    self.bulk(model, f"flt0_{name}={value}")
                for arg in ("search", "page", "sort", "page_size", "desc"):
                    self.send(self.admin, "GET", f"/admin/{model}/?{arg}={value}")
                for view in ("details", "edit"):
                    self.send(self.admin, "GET", f"/admin/{model}/{view}/?id={value}")
                self.post(self.admin, f"/admin/{model}/", f"/admin/{model}/delete/", f"id={value}")
                self.bulk(model, "", f"scope=selected&rowid={value}")

    def bulk(self, model: str, query: str, form: str = "scope=all") -> None:
        token = self.csrf(self.admin, f"/admin/{model}/")
        body = f"csrf_token={quote(token)}&action=export_csv&{form}".encode()
        for step in ("bulk/", "bulk/apply"):
            self.send(
                self.admin, "POST", f"/admin/{model}/{step}?{query}", body,
                "application/x-www-form-urlencoded",
            )  # fmt: skip

    def post(self, browser: Browser, form_page: str, path: str, fields: str) -> None:
        token = self.csrf(browser, form_page)
        body = f"csrf_token={quote(token)}&{fields}".encode()
        self.send(browser, "POST", path, body, "application/x-www-form-urlencoded")

    def forms(self) -> None:
        for model in ("product", "book", "order", "user"):
            html = self.send(self.admin, "GET", f"/admin/{model}/new/").text
            names = sorted(set(re.findall(r'name="([a-z_]+)"', html)) - {"csrf_token"})
            for name in names:
                for value in (*RAW_VALUES[:12], "NaN", "Infinity", "sNaN"):
                    self.post(self.admin, f"/admin/{model}/new/", f"/admin/{model}/new/",
                              f"{name}={value}&name=x&sku=X-1&price=1&stock=1")  # fmt: skip
        for value in RAW_VALUES[:8]:
            for field in ("full_name", "address", "zipcode", "phone", "website", "bio"):
                self.post(self.admin, "/account/profile", "/account/profile", f"{field}={value}")
            self.send(self.admin, "GET", f"/account/orders/{value}")
            self.send(self.admin, "GET", f"/account/orders?page={value}")

    def sign_in(self) -> None:
        for path in ("/login", "/register", "/reset", "/confirm"):
            for body in JSON_BODIES:
                self.send(self.anon, "POST", path, body, "application/json")
            for value in RAW_VALUES[:10]:
                fields = f"email={value}%40example.com&password={value}&full_name={value}"
                self.post(self.anon, "/login", path, fields)


def run(database_url: str) -> int:
    """Start the server on ``database_url``, probe it, print the tally; the exit status."""
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(database_url, Path(tmp))
        env["RESET_RATE_LIMIT"] = env["REGISTER_RATE_LIMIT"] = "100000/minute"
        env["LOGIN_RATE_LIMIT"] = "100000/minute"
        manage(env, "db", "upgrade")
        manage(env, "seed-demo", "--users", "30", "--orders", "120")
        password = "probe admin passphrase 42"  # noqa: S105 - a throwaway database's
        manage(env, "create-admin", "probe@example.com", "--password", password)
        server = LiveServer(env, Path(tmp) / "server.log").start()
        try:
            probe = Probe(int(server.url.rsplit(":", 1)[1]))
            probe.login("probe@example.com", password)
            for step in (probe.lists, probe.forms, probe.sign_in):
                step()
        finally:
            server.stop()
        log = server.log()
    tracebacks = log.count("Traceback")
    print(json.dumps({"requests": sum(probe.statuses.values()), "by_status": dict(
        sorted(probe.statuses.items())), "tracebacks": tracebacks}, indent=1))  # fmt: skip
    for line in probe.failures[:40]:
        print(line)
    if tracebacks:
        print(log[log.index("Traceback") :][:3000])
    return 1 if probe.failures or tracebacks else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.db == "postgres":
        with scratch_postgres(args.pg, "backoffice_probe") as url:
            return run(url)
    with tempfile.TemporaryDirectory() as tmp:
        return run(f"sqlite:///{tmp}/probe.db")


if __name__ == "__main__":
    sys.exit(main())
