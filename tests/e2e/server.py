"""A real server for the browser tests: gunicorn on 127.0.0.1, a background-job worker beside
it, a fresh database, files for mail.

The app runs with the production settings (secure cookies, CSP, error pages, rate
limits, no debug) as ``gunicorn "backoffice:create_app()"`` would in production; only
what must differ for a test run comes from the environment: the throwaway database,
upload directory and secrets, mail written to files, and bcrypt's cheapest cost.
Seeding goes through ``python manage.py`` like an operator would, and background jobs
run in ``python manage.py worker`` with the same environment, as ``make run`` does.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import ROOT, free_port, wait_for

PYTHON = sys.executable
STARTUP_SECONDS = 30


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    """The environment of the server and of every CLI command of the run."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLASK_", "BACKOFFICE_", "MAIL_", "FTP_", "STORAGE_"))
    }
    env.update(
        BACKOFFICE_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_hex(32),
        SECURITY_PASSWORD_SALT=secrets.token_hex(16),
        SECURITY_TOTP_SECRETS="1:" + secrets.token_hex(32),
        SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS=base64.urlsafe_b64encode(
            secrets.token_bytes(32)
        ).decode(),
        MAIL_BACKEND="file",
        MAIL_FILE_PATH=str(workdir / "mail"),
        STORAGE_BACKEND="local",
        UPLOAD_DIR=str(workdir / "uploads"),
        BCRYPT_ROUNDS="4",
        # The run's own job queue (the server enqueues, the worker consumes), and small
        # batches so a background export of the demo data shows its progress in steps.
        JOBS_SQLITE_PATH=str(workdir / "jobs.db"),
        JOB_BATCH_SIZE="2",
        # The browser tests stand behind a pretend proxy: every journey sends its own
        # X-Forwarded-For, so the per-address rate limits (kept at their production
        # values) count each journey apart, and one journey can hit them on purpose.
        PROXY_FIX_X_FOR="1",
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_RATE_LIMIT="10/minute",
        REGISTER_RATE_LIMIT="5/minute",
        RESET_RATE_LIMIT="5/minute",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``python manage.py ARGS`` against the test database; its stdout, or fail loudly."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@dataclass
class LiveServer:
    """gunicorn serving the app; ``url`` once it answers /healthz."""

    env: dict[str, str]
    log_path: Path
    url: str = ""
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> LiveServer:
        """Start gunicorn on a free port and wait until it answers /healthz."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        port = free_port()
        # One process (the in-memory rate-limit counters must be shared), threads for
        # the browser's parallel requests.
        command = [PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers=1",
                   "--threads=8", "--access-logfile=-", "--graceful-timeout=5"]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "backoffice:create_app()"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(port, self.process)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}:\n{self.log()}") from None
        self.url = f"http://127.0.0.1:{port}"
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the server never became healthy:\n{self.log()}")

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")

    def log(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Worker:
    """``python manage.py worker`` beside the server, on the run's queue file."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Worker:
        """Start the worker and wait until it says which queue it consumes."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [PYTHON, "manage.py", "worker", "--threads", "2"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Worker:" not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.log()}")
            time.sleep(0.05)
        return self

    def log(self) -> str:
        """Everything the worker wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pause(self) -> None:
        """Freeze the worker (SIGSTOP) while it holds no lock on the queue file.

        A journey pauses it to see a job queued, then resumes it and watches the job
        run. A worker frozen inside the queue's write transaction would block the
        server's enqueue, so it is thawed and frozen again until the file is free.
        """
        assert self.process is not None
        while True:
            self.process.send_signal(signal.SIGSTOP)
            try:
                with closing(sqlite3.connect(self.env["JOBS_SQLITE_PATH"], timeout=0.2)) as conn:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.rollback()
                return
            except sqlite3.OperationalError:
                self.process.send_signal(signal.SIGCONT)
                time.sleep(0.05)

    def resume(self) -> None:
        """Let a paused worker go on (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """SIGINT (Huey's graceful stop: running jobs finish), then wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.resume()  # a journey that failed while the worker was paused
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
