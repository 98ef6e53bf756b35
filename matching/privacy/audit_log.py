"""Audit log of what people were shown and decided.

One table on the store's shared ``metadata``, ``audit_log``: one row per
shortlist or event plan *shown* (who, when, inputs, model version, the
results as shown), per ranking override made or lifted
(:mod:`matching.shortlists.overrides`), and per erasure. Changes to records
themselves are already kept by the store in ``record_history``; this log
covers what the store cannot see: what was looked at and decided.

This module is storage only: no HTTP, no settings. The use cases decide who
may write and read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult

from matching.records.storage import Store, metadata

logger = logging.getLogger(__name__)

__all__ = [
    "AuditEntry",
    "AuditNotDurable",
    "AuditWriter",
    "audit_table",
    "ensure_tables",
    "list_entries",
    "log_entry",
    "new_ref",
]

audit_table = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("municipality", sa.String(40), nullable=False, index=True),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("subject_type", sa.String(40), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("inputs", sa.JSON, nullable=True),
    sa.Column("model_version", sa.String(120), nullable=True),
    sa.Column("results", sa.JSON, nullable=True),
    # handed to the user with what was shown, so an entry can be found from a screen
    sa.Column("ref", sa.String(32), nullable=True, index=True),
    sa.Index("ix_audit_subject", "subject_type", "subject_id"),
)

_INSERT_ENTRY = audit_table.insert()


def ensure_tables(store: Store) -> None:
    """Create this module's tables in a store opened before it was imported."""
    metadata.create_all(store.engine, tables=[audit_table], checkfirst=True)
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns(audit_table.name)}
    if "ref" not in columns:  # a log made before entries had references
        with store.transaction() as conn:
            conn.execute(sa.text("ALTER TABLE audit_log ADD COLUMN ref VARCHAR(32)"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row with its timestamps as aware UTC datetimes (SQLite returns them naive)."""
    return {
        k: v.replace(tzinfo=dt.UTC)
        if isinstance(v, dt.datetime) and v.tzinfo is None
        else v
        for k, v in row.items()
    }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str)) if value is not None else None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    role: str
    municipality: str
    action: str
    subject_type: str
    subject_id: str
    inputs: dict[str, Any] | None
    model_version: str | None
    results: Any
    ref: str | None = None


def new_ref() -> str:
    """A reference for an audit entry, known before it is written."""
    return uuid.uuid4().hex


def _entry_row(
    *,
    actor: str,
    role: str,
    municipality: str,
    action: str,
    subject_type: str,
    subject_id: str,
    inputs: Mapping[str, Any] | None,
    model_version: str | None,
    results: Any,
    ref: str | None,
) -> dict[str, Any]:
    return {
        "at": _now(),
        "actor": actor,
        "role": role,
        "municipality": municipality,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "inputs": _jsonable(dict(inputs) if inputs is not None else None),
        "model_version": model_version,
        "results": _jsonable(results),
        "ref": ref or new_ref(),
    }


def log_entry(
    store: Store,
    *,
    actor: str,
    role: str,
    municipality: str,
    action: str,
    subject_type: str,
    subject_id: str,
    inputs: Mapping[str, Any] | None = None,
    model_version: str | None = None,
    results: Any = None,
    ref: str | None = None,
    conn: Connection | None = None,
) -> int:
    """Append one entry now, in its own transaction or in ``conn``; returns its sequence number."""
    row = _entry_row(
        actor=actor,
        role=role,
        municipality=municipality,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        inputs=inputs,
        model_version=model_version,
        results=results,
        ref=ref,
    )
    # one prebuilt statement with bound parameters: logged on every shortlist shown, so
    # building and compiling a statement per call would be a noticeable share of the request
    if conn is None:
        with store.transaction() as own:
            return new_id(own.execute(_INSERT_ENTRY, row))
    return new_id(conn.execute(_INSERT_ENTRY, row))


def new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT of one row gave it."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every insert here has an autoincrement key
        raise RuntimeError("the database gave no key for the inserted row")
    return int(key[0])


def list_entries(
    store: Store,
    *,
    municipality: str,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    actor: str | None = None,
    ref: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Entries of one municipality, newest first, and how many match in total."""
    conditions = [audit_table.c.municipality == municipality]
    if action is not None:
        conditions.append(audit_table.c.action == action)
    if subject_type is not None:
        conditions.append(audit_table.c.subject_type == subject_type)
    if subject_id is not None:
        conditions.append(audit_table.c.subject_id == subject_id)
    if actor is not None:
        conditions.append(audit_table.c.actor == actor)
    if ref is not None:
        conditions.append(audit_table.c.ref == ref)
    query = (
        sa.select(audit_table)
        .where(*conditions)
        .order_by(audit_table.c.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    total_query = sa.select(sa.func.count()).select_from(audit_table).where(*conditions)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        total = int(conn.execute(total_query).scalar_one())
    return [AuditEntry(**utc_row(r)) for r in rows], total


# ---- writing in the background ---------------------------------------------------------------


class AuditNotDurable(RuntimeError):
    """An entry could not be committed in time; what it records must not be shown."""


#: Called by the writer once an entry's fate is known: True when committed.
Settled = Callable[[bool], None]


@dataclass
class _Pending:
    row: dict[str, Any]
    settled: Settled | None


def _describe(exc: BaseException) -> str:
    """The kind of a failed write, never its parameters (they hold the entry's contents)."""
    names = [type(exc).__name__]
    orig = getattr(exc, "orig", None)  # the driver's own error, under SQLAlchemy's
    if orig is not None and type(orig).__name__ not in names:
        names.append(type(orig).__name__)
    return "/".join(names)


class AuditWriter:
    """Commits audit entries from a background thread, many requests per transaction.

    Shortlists are shown many times a second; a transaction per entry puts
    a database write, and with several worker processes a wait for SQLite's
    write lock, inside every request. The writer commits whatever has been
    submitted while the previous transaction ran (group commit), so one
    commit serves many requests.

    :meth:`write` submits an entry and waits until it is committed: a use
    case shows a shortlist only after that, and refuses it (raises
    :class:`AuditNotDurable`) when the database does not take the entry
    within the timeout. So the log can hold an entry of a request that was
    refused after all, never miss one of a list that was shown.
    :meth:`submit` queues without waiting. A failing write is logged (its
    kind, never the entry's contents) and retried while the service runs;
    :meth:`close` drains the queue, and what it cannot write before its
    timeout is counted and logged as an error.

    ``scrub`` is applied to each batch just before it is written: erasure
    passes a function that replaces the ids of erased candidates, so an entry
    still queued when a candidate was erased (in another worker process, say)
    never writes their id.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_batch: int = 500,
        scrub: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
    ) -> None:
        self.store = store
        self.max_batch = max_batch
        self.scrub = scrub
        self._queue: queue.SimpleQueue[_Pending | threading.Event | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closing = threading.Event()
        self.written = 0
        self.dropped = 0

    def submit(self, *, settled: Settled | None = None, **entry: Any) -> str:
        """Queue an entry (the arguments of :func:`log_entry`); returns its reference.

        ``settled`` is called from the writer's thread with True once the
        entry is committed, False if the writer stopped without writing it.
        """
        if self._closing.is_set():
            raise AuditNotDurable("the audit log is closed")
        row = _entry_row(
            **{"inputs": None, "model_version": None, "results": None, "ref": None, **entry}
        )
        self._ensure_running()
        self._queue.put(_Pending(row, settled))
        result: str = row["ref"]
        return result

    async def write(self, *, timeout: float = 2.0, **entry: Any) -> str:
        """Submit an entry and wait until it is committed; returns its reference.

        Raises :class:`AuditNotDurable` when it is not committed within
        ``timeout`` seconds (the database is locked or down).
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bool] = loop.create_future()

        def settle(ok: bool) -> None:
            def resolve() -> None:
                if not done.done():
                    done.set_result(ok)

            try:
                loop.call_soon_threadsafe(resolve)
            except RuntimeError:  # the loop is gone: nobody is waiting any more
                pass

        ref = self.submit(settled=settle, **entry)
        try:
            ok = await asyncio.wait_for(asyncio.shield(done), timeout)
        except TimeoutError:
            logger.error("audit entry %s not committed within %.1f s", ref, timeout)
            raise AuditNotDurable(f"the audit log did not take the entry within {timeout} s") from None
        if not ok:
            raise AuditNotDurable("the audit log stopped before the entry was written")
        return ref

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every entry submitted before this call is written."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, waiting at most ``timeout`` seconds; count and log the rest."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._closing.set()  # from here a failing write gives up instead of retrying
        self._thread.join(max(1.0, timeout / 10))
        self._thread = None
        left = self._drain_unwritten()
        if left:
            self.dropped += left
            logger.error("audit log: %d entries could not be written before shutdown", left)

    def _drain_unwritten(self) -> int:
        left = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return left
            if isinstance(item, _Pending):
                left += 1
                if item.settled is not None:
                    item.settled(False)
            elif isinstance(item, threading.Event):
                item.set()

    def _ensure_running(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            batch: list[_Pending] = []
            waiting: list[threading.Event] = []
            while True:  # everything submitted while the last transaction ran
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiting.append(item)
                else:
                    batch.append(item)
                if stop or len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            ok = self._write([p.row for p in batch])
            for pending in batch:
                if pending.settled is not None:
                    pending.settled(ok)
            if not ok:
                self.dropped += len(batch)
                logger.error("audit log: %d entries could not be written before shutdown", len(batch))
            for event in waiting:
                event.set()

    def _write(self, rows: list[dict[str, Any]]) -> bool:
        """Commit ``rows``, retrying until it works or the writer is closing (then False)."""
        delay = 0.05
        while rows:
            try:
                batch = self.scrub(rows) if self.scrub is not None else rows
                with self.store.transaction() as conn:
                    conn.execute(_INSERT_ENTRY, batch)
                self.written += len(batch)
                return True
            except Exception as exc:  # noqa: BLE001 - any failure: report its kind, retry
                if self._closing.is_set():
                    return False
                logger.warning(
                    "writing %d audit entries failed (%s); retrying in %.2f s",
                    len(rows), _describe(exc), delay,
                )
                self._closing.wait(delay)
                delay = min(delay * 2, 5.0)
        return True
