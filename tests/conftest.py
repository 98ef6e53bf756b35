"""Shared fixtures: small hand-made worlds and a real PostgreSQL server."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from factories import PSEUDONYM_KEY
from factories import tiny_world as _tiny_world
from servers import PostgresUnavailable, postgres_bin, postgres_server

# commands run by the tests take the pseudonym key from here, never from a key file in the checkout
os.environ.setdefault("WERKKANS_PSEUDONYM_KEY", PSEUDONYM_KEY.hex())


@pytest.fixture
def tiny_world() -> list:
    """Two employers, three work needs, four candidates, one event with two tables."""
    return _tiny_world()


# ---- PostgreSQL ------------------------------------------------------------------------------


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
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (make test installs Debian's postgresql as root)")
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.fail(str(exc))


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
