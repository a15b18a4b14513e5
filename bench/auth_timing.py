"""Does the time /reset and /confirm take say whether an address has an account?

Serves the app with gunicorn (production settings, bcrypt at its production cost, mail
written to files) on 127.0.0.1 and times POSTs for a known and an unknown address,
alternating, through a real socket. Prints the median and spread per case.

    .venv/bin/python -m bench.auth_timing [--rounds 30] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.common import ROOT, production_env, scratch_database
from tests.support.servers import free_port, wait_for

PASSWORD = "correct horse battery staple 42"  # noqa: S105 - a throwaway test account
CONFIRMED = "known@example.com"
UNCONFIRMED = "pending@example.com"
UNKNOWN = "nobody@example.com"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

SETUP = """
from backoffice import create_app
from backoffice.extensions import db
from backoffice.services.users import create_user
from flask_migrate import upgrade
app = create_app()
with app.app_context():
    upgrade()
    create_user({confirmed!r}, {password!r})
    create_user({unconfirmed!r}, {password!r}).confirmed_at = None
    db.session.commit()
"""


def timed_post(port: int, path: str, email: str) -> float:
    """Fetch the form (session cookie + CSRF token), then time the POST to the last byte."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    page = conn.getresponse()
    html = page.read().decode()
    # Production cookies are Secure: a browser would not send them over plain HTTP, so
    # the cookie is passed by hand.
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    conn.close()
    body = urlencode({"email": email, "csrf_token": CSRF.search(html).group(1)})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    assert response.status == 200, (path, email, response.status)
    return elapsed


def measure(port: int, rounds: int) -> dict[str, list[float]]:
    """Alternate known and unknown addresses on /reset and /confirm."""
    cases = {
        ("/reset", "known"): CONFIRMED,
        ("/reset", "unknown"): UNKNOWN,
        ("/confirm", "known"): UNCONFIRMED,
        ("/confirm", "unknown"): UNKNOWN,
    }
    times: dict[str, list[float]] = {f"{p} {k}": [] for p, k in cases}
    for _ in range(rounds):
        for (path, kind), email in cases.items():
            times[f"{path} {kind}"].append(timed_post(port, path, email))
    return times


def main() -> None:
    """Set up a scratch database, serve it with gunicorn, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    with scratch_database(args.database) as url, tempfile.TemporaryDirectory() as tmp:
        env = production_env(
            DATABASE_URL=url,
            MAIL_BACKEND="file",
            MAIL_FILE_PATH=str(Path(tmp) / "mail"),
            RESET_RATE_LIMIT="100000/minute",
            UPLOAD_DIR=str(Path(tmp) / "uploads"),
        )
        setup = SETUP.format(confirmed=CONFIRMED, unconfirmed=UNCONFIRMED, password=PASSWORD)
        subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, check=True)
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--workers", "1"]
        command += ["--bind", f"127.0.0.1:{port}", "backoffice:create_app()"]
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            wait_for(port, server)
            times = measure(port, args.rounds)
        finally:
            server.terminate()
            server.wait(10)
        mails = sum(p.read_text().count("\n" + "-" * 79) for p in Path(tmp, "mail").glob("*"))
    for case, values in times.items():
        print(
            f"{case:18} median {statistics.median(values) * 1000:7.1f} ms"
            f"  min {min(values) * 1000:7.1f}  max {max(values) * 1000:7.1f}"
        )
    print(f"mails written: {mails}")


if __name__ == "__main__":
    main()
