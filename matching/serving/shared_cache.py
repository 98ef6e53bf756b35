"""Computed answers kept in the store, so every worker and machine can reuse them.

A shortlist costs the engine tens of milliseconds; the HTTP service keeps the
answers it computed in memory (``services.shortlist_cache.ShortlistCache``). With
several worker processes, or several machines on one PostgreSQL database, each
would compute every shortlist again; this table lets them share: a worker that
misses its memory looks here before it computes, and writes what it computed.

Entries are JSON under a key that already holds everything the answer depends
on (the request, the overrides in force, the version of its municipality's or
region's records, the model and the date), so an entry is never stale, only
unused: :func:`purge` drops a municipality's entries made before its current
version, and anyone's older than ``max_age``. The ``request`` column (a digest of
the key without the version) finds the newest entry of a request whatever its
version (:func:`newest`), for a list that may be shown late. The ``municipality`` column is the
answer's scope (``GM0855``, or ``region:GM0855`` for a list over its region).
Entries name candidates, so :func:`matching.privacy.erasure.erase_candidate`
deletes the entries of the erased candidate's region in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from matching.records.storage import Store, metadata

logger = logging.getLogger(__name__)

__all__ = [
    "at_version", "cache_table", "clear", "ensure_tables", "get", "key_digest", "newest", "purge", "put",
]

cache_table = sa.Table(
    "shared_cache",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # SHA-256 hex of the full key
    sa.Column("municipality", sa.String(40), nullable=False, index=True),
    sa.Column("store_version", sa.Integer, nullable=False, index=True),
    # the key without its version: the same request, model and day
    sa.Column("request", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("ix_shared_cache_request", "request", "store_version"),
)


def ensure_tables(store: Store) -> None:
    """Create the table in a store opened before this module was imported (an earlier
    release's table, without the ``request`` column, is only a cache: made again)."""
    inspector = sa.inspect(store.engine)
    if inspector.has_table(cache_table.name) and "request" not in {
        c["name"] for c in inspector.get_columns(cache_table.name)
    }:
        try:
            cache_table.drop(store.engine)
        except sa.exc.DatabaseError:  # dropped by another process starting at the same moment
            pass
    store.create_tables([cache_table])


def key_digest(key: tuple[Any, ...]) -> str:
    """A stable digest of a key of strings, numbers, dates and nested tuples."""
    text = json.dumps(key, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def get(store: Store, key: str) -> Any | None:
    """The JSON value stored under ``key`` (a :func:`key_digest`), or None."""
    with store.reading() as conn:
        payload = conn.execute(
            sa.select(cache_table.c.payload).where(cache_table.c.key == key)
        ).scalar_one_or_none()
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except ValueError:  # pragma: no cover - only this module writes the table
        logger.warning("unreadable shared cache entry %s ignored", key)
        return None


def at_version(
    store: Store, *, municipality: str, store_version: int, limit: int
) -> list[tuple[str, Any]]:
    """Up to ``limit`` entries of ``municipality`` (a scope) made at ``store_version``, newest
    first: their keys and values (a worker taking what others computed before it asks)."""
    with store.reading() as conn:
        rows = conn.execute(
            sa.select(cache_table.c.key, cache_table.c.payload)
            .where(cache_table.c.municipality == municipality)
            .where(cache_table.c.store_version == store_version)
            .order_by(cache_table.c.created_at.desc())
            .limit(limit)
        ).all()
    found = []
    for key, payload in rows:
        try:
            found.append((key, json.loads(payload)))
        except ValueError:  # pragma: no cover - only this module writes the table
            logger.warning("unreadable shared cache entry %s ignored", key)
    return found


def newest(store: Store, request: str, *, before_version: int) -> tuple[int, Any] | None:
    """The newest entry of ``request`` made before ``before_version``: its version and value."""
    with store.reading() as conn:
        row = conn.execute(
            sa.select(cache_table.c.store_version, cache_table.c.payload)
            .where(cache_table.c.request == request)
            .where(cache_table.c.store_version < before_version)
            .order_by(cache_table.c.store_version.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    try:
        return int(row[0]), json.loads(row[1])
    except ValueError:  # pragma: no cover - only this module writes the table
        return None


def put(
    store: Store, key: str, value: Any, *, municipality: str, store_version: int,
    request: str | None = None,
) -> bool:
    """Store a JSON-able value (``request``: :func:`key_digest` of its key without the version);
    False when another worker stored the same key first."""
    row = {
        "key": key,
        "municipality": municipality,
        "store_version": store_version,
        "request": request,
        "created_at": dt.datetime.now(dt.UTC),
        "payload": json.dumps(value, separators=(",", ":")),
    }
    try:
        with store.transaction() as conn:
            conn.execute(cache_table.insert().values(**row))
    except IntegrityError:  # the same answer, computed at the same time elsewhere
        return False
    return True


def purge(
    store: Store,
    *,
    before_version: int,
    municipality: str,
    max_age: dt.timedelta = dt.timedelta(days=2),
) -> int:
    """Delete the municipality's entries made before ``before_version`` (its own version,
    :meth:`~matching.records.storage.Store.version`) that a newer entry of the same request
    replaces (the newest of each request may still be shown late: :func:`newest`), and
    anyone's longer than ``max_age`` ago."""
    cutoff = dt.datetime.now(dt.UTC) - max_age
    later = cache_table.alias("later")
    replaced = sa.exists().where(
        later.c.request == cache_table.c.request,
        later.c.store_version > cache_table.c.store_version,
    )
    stale = (
        (cache_table.c.municipality == municipality)
        & (cache_table.c.store_version < before_version)
        & (cache_table.c.request.is_(None) | replaced)
    )
    with store.transaction() as conn:
        return conn.execute(
            cache_table.delete().where(sa.or_(stale, cache_table.c.created_at < cutoff))
        ).rowcount


def clear(store: Store | None = None, *, municipality: str | None = None,
          conn: Connection | None = None) -> int:
    """Delete every entry (of one municipality), in ``conn``'s transaction when given."""
    query = cache_table.delete()
    if municipality is not None:
        query = query.where(cache_table.c.municipality == municipality)
    if conn is not None:
        return conn.execute(query).rowcount
    if store is None:
        raise ValueError("clear needs a store or a connection")
    with store.transaction() as own:
        return own.execute(query).rowcount
