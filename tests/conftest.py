"""Shared fixtures: small hand-made worlds and a real PostgreSQL server."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from factories import PSEUDONYM_KEY
from factories import tiny_world as _tiny_world
from servers import free_port

# commands run by the tests take the pseudonym key from here, never from a key file in the checkout
os.environ.setdefault("WERKKANS_PSEUDONYM_KEY", PSEUDONYM_KEY.hex())


@pytest.fixture
def tiny_world() -> list:
    """Two employers, three work needs, four candidates, one event with two tables."""
    return _tiny_world()


# ---- PostgreSQL ------------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None



@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1, started and stopped by the test run.

    `make test` installs Debian's postgresql package first; where it could not
    (no root, no package), the tests are skipped with that reason shown.
    """
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg: install werkkans[dev]")
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (make test installs Debian's postgresql as root)")
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
    log = base / "server.log"
    try:
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "werkkans", "-A", "trust",
             "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True,
        )
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
             f"-h 127.0.0.1 -p {port} -k {base} -F", "start"],
            check=True, capture_output=True, timeout=60,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {detail.decode(errors='replace')}")
    url = f"postgresql+psycopg://werkkans@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False, capture_output=True, timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """An empty database of its own on the shared server."""
    import sqlalchemy as sa

    name = f"t{int(time.time() * 1e6)}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
