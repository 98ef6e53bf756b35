"""Committing audit entries from a background thread, many requests per transaction.

See :class:`AuditWriter`; the table and the reading side are in
:mod:`matching.privacy.audit_log`.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matching.privacy.audit_log import INSERT_ENTRY, entry_row
from matching.records.storage import Store

logger = logging.getLogger(__name__)

__all__ = ["AuditNotDurable", "AuditWriter"]


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
        row = entry_row(
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
            if self._thread is None:  # first use, or again after close()
                self._closing.clear()
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
                    conn.execute(INSERT_ENTRY, batch)
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
