"""Real HTTP servers for tests: Werkzeug in a thread, gunicorn in a subprocess.

Both serve an app built by ``create_app`` with the given config, on a free port of
127.0.0.1, and stop when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen | None = None) -> None:
    """Block until something listens on ``port`` (or the server process died)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


@contextlib.contextmanager
def werkzeug_server(app, config, _tmp_path):
    """Serve ``app`` (or a testing app built from ``config``) from a thread; yield the port."""
    own_app = app is None
    if own_app:
        from backoffice import create_app

        app = create_app(config, env="testing")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        if own_app:
            from backoffice.extensions import db

            with app.app_context():
                db.engine.dispose()


@contextlib.contextmanager
def gunicorn_server(_app, config, tmp_path):
    """Run ``gunicorn "backoffice:create_app(config)"`` as the README does; yield the port."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    factory = f"backoffice:create_app({config!r}, env='testing')"
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        process = subprocess.Popen([*command, factory], cwd=ROOT, stdout=out, stderr=out)
    try:
        wait_for(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(10)


SERVERS = {"werkzeug": werkzeug_server, "gunicorn": gunicorn_server}
