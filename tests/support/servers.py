"""Helpers for tests that start servers of their own on 127.0.0.1."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Wait for ``url`` to answer 200; raise TimeoutError (or RuntimeError when ``alive`` says
    the server process has ended) otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server behind {url} stopped before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def postgres_bin() -> Path | None:
    """Where PostgreSQL's initdb and pg_ctl are, or None when it is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed, or its server did not start."""


@contextmanager
def postgres_server(**settings: str) -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1: yields the URL of its ``postgres`` database
    (user ``werkkans``, trust login) and removes everything when done. ``settings`` are
    server settings (``max_connections="200"``)."""
    bindir = postgres_bin()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL is not installed (make test installs Debian's postgresql)")
    base = Path(tempfile.mkdtemp(prefix="werkkans-pg-"))
    data = base / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        # the server refuses to run as root: use the package's postgres user or nobody
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            user = "nobody"
        shutil.chown(base, user=user)
        run_as = ["runuser", "-u", user, "--"]
    port = free_port()
    options = " ".join([f"-h 127.0.0.1 -p {port} -k {base} -F", *(f"-c {k}={v}" for k, v in settings.items())])
    try:
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "werkkans", "-A", "trust",
             "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True,
        )
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
             "-o", options, "start"],
            check=True, capture_output=True, timeout=60,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"could not start PostgreSQL: {detail.decode(errors='replace')}") from exc
    try:
        yield f"postgresql+psycopg://werkkans@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False, capture_output=True, timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def uvicorn_thread(app: object) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free 127.0.0.1 port; its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
