"""Computed shortlists, reused while nothing they depend on changed.

Kept in memory per process and shared through the store
(:mod:`matching.serving.shared_cache`), so worker processes and machines
find an answer one of them computed instead of computing it again. A
service may show the newest list it holds while :class:`BackgroundRefresh`
computes its successor (:meth:`services.shortlists.ShortlistService._answer`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from matching.records.storage import Store
from matching.serving import shared_cache
from matching.shortlists.quotes import Quote
from matching.shortlists.shortlist import Match, Ranking, Shortlist

if TYPE_CHECKING:
    from services.shortlists import ShortlistOut

__all__ = ["BackgroundRefresh", "CacheKey", "Computed", "ShortlistCache"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Computed:
    shortlist: Shortlist
    employer_names: dict[str, str]
    need_titles: dict[str, str]
    candidate_names: dict[str, str] = field(default_factory=dict)
    #: Candidates of other municipalities (a regional list): id -> their municipality.
    candidate_municipalities: dict[str, str] = field(default_factory=dict)
    #: Work needs of other municipalities (a candidate's list over the region): id -> theirs.
    need_municipalities: dict[str, str] = field(default_factory=dict)
    #: The answer as shown, per (audience, contributions, overrides), without the fields
    #: each showing gets (audit reference, time), and the results the audit log records.
    shown: dict[tuple[Any, ...], tuple[ShortlistOut, list[dict[str, Any]]]] = field(
        default_factory=dict, compare=False, repr=False
    )


class CacheKey(NamedTuple):
    """Everything a computed shortlist depends on."""

    #: What was asked: direction, municipality, id, k, ..., the scope and the municipalities
    #: it draws on, the overrides in force.
    request: tuple[Any, ...]
    #: The version of its scope's records (its municipality's, or its region's).
    version: int
    #: The model in service.
    model: str
    #: The date the vetoes judge on.
    day: dt.date


V = TypeVar("V")
T = TypeVar("T")


class _ByScope(Generic[V]):
    """Values by key, least recently used first out beyond ``limit``, each kept under the
    scope it depends on, so that a scope's values are dropped without looking at the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict[CacheKey, tuple[str, V]] = OrderedDict()
        self._scopes: dict[str, set[CacheKey]] = {}

    def get(self, key: CacheKey) -> V | None:
        found = self._values.get(key)
        if found is None:
            return None
        self._values.move_to_end(key)
        return found[1]

    def put(self, key: CacheKey, scope: str, value: V) -> None:
        self._values[key] = (scope, value)
        self._values.move_to_end(key)
        self._scopes.setdefault(scope, set()).add(key)
        while len(self._values) > self.limit:
            old, (where, _) = self._values.popitem(last=False)
            self._scopes[where].discard(old)

    def drop(self, scope: str) -> None:
        """Forget every value of ``scope``."""
        for key in self._scopes.pop(scope, ()):
            self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()
        self._scopes.clear()

    def __len__(self) -> int:
        return len(self._values)


class ShortlistCache:
    """Answers of the engine, reused while nothing they depend on changed.

    The key (:class:`CacheKey`) holds everything a shortlist depends on: the
    request, the overrides in force, the version of its scope's records (its
    municipality's, or its region's: any write there moves it on), the model in
    service and the date the vetoes judge on. Entries are kept in memory,
    least-recently-used first out; with a ``store`` they are also shared through it
    (:mod:`matching.serving.shared_cache`), so other worker processes and machines
    find an answer one of them computed instead of computing it again. Erasure
    clears the memory (:mod:`services.erasure`) and, in its own transaction, the
    shared entries of the candidate's region
    (:func:`matching.privacy.erasure.erase_candidate`).

    The newest answer to every request is also kept apart (:meth:`latest`), for a
    service that may show it while its successor is computed (:class:`BackgroundRefresh`);
    once a service has judged that it may (:meth:`hold_late`), later showings of the same
    key find it in memory (:meth:`late`) instead of asking the store again.
    """

    #: Purge dead shared entries after this many writes.
    PURGE_EVERY = 256
    #: Part of every shared key: raise it when the stored form of a shortlist changes, so
    #: a newer release never reads an older one's entries.
    SHARED_FORMAT = 8

    def __init__(self, max_entries: int = 4096, *, store: Store | None = None) -> None:
        self.max_entries = max_entries
        self.store = store
        self._entries: _ByScope[Computed] = _ByScope(max_entries)
        self._latest: OrderedDict[tuple[Any, ...], tuple[CacheKey, Computed]] = OrderedDict()
        # key -> (answer shown for it late, when the first change since that answer came in)
        self._late: _ByScope[tuple[Computed, dt.datetime]] = _ByScope(max_entries)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.shared_hits = 0
        self.computed = 0  # answers this process computed (neither in memory nor shared)
        self._writes = 0
        self._versions: dict[str, int] = {}  # the newest store version seen per scope
        if store is not None:
            shared_cache.ensure_tables(store)

    def get(self, key: CacheKey, scope: str) -> Computed | None:
        """The answer in memory (cheap: called on the event loop).

        ``scope`` is what the answer depends on: a municipality, or ``region:<code>``
        for a list over its region; ``key.version`` that scope's version
        (:meth:`~matching.records.storage.Store.version`). Answers from before it can
        never be asked for again (the version is part of every key): the first request
        to see a newer version drops that scope's answers, so data changed or erased
        elsewhere leaves this process too, and other scopes keep theirs.
        """
        with self._lock:
            self._seen(scope, key.version)
            found = self._entries.get(key)
            if found is not None:
                self.hits += 1
                return found
            self.misses += 1
            return None

    def _seen(self, scope: str, version: int) -> None:
        """Note ``scope``'s ``version``; the first newer one drops that scope's answers
        (with the lock held)."""
        seen = self._versions.get(scope)
        if seen is None or version > seen:
            if seen is not None:
                self._entries.drop(scope)
                self._late.drop(scope)
            self._versions[scope] = version

    def latest(self, key: CacheKey) -> tuple[CacheKey, Computed] | None:
        """The newest answer this process holds to ``key.request``, whatever its version."""
        with self._lock:
            return self._latest.get(key.request)

    def newest(self) -> list[tuple[CacheKey, Computed]]:
        """The newest answer this process holds to every request."""
        with self._lock:
            return list(self._latest.values())

    def hold_late(self, key: CacheKey, value: Computed, since: dt.datetime, scope: str) -> None:
        """Remember that ``value`` may stand for ``key`` while its successor is computed, the
        first change since it having come in at ``since``."""
        with self._lock:
            self._late.put(key, scope, (value, since))

    def late(self, key: CacheKey) -> tuple[Computed, dt.datetime] | None:
        """What :meth:`hold_late` remembered for ``key`` (cheap: called on the event loop)."""
        with self._lock:
            return self._late.get(key)

    def forget(self, key: CacheKey) -> None:
        """Drop the newest answer held to ``key.request`` (it may no longer be shown late)."""
        with self._lock:
            self._latest.pop(key.request, None)

    def put(self, key: CacheKey, value: Computed, scope: str) -> None:
        with self._lock:
            self._seen(scope, key.version)  # kept: a newer answer ends the older ones
            self._entries.put(key, scope, value)
            before = self._latest.get(key.request)
            if before is None or before[0].version <= key.version:
                self._latest[key.request] = (key, value)
            self._latest.move_to_end(key.request)
            while len(self._latest) > self.max_entries:
                self._latest.popitem(last=False)

    def shared(self, key: CacheKey, scope: str) -> Computed | None:
        """The answer another worker stored, kept in memory too (blocking I/O).

        The shared table only saves work: when it cannot be read the answer is None.
        """
        if self.store is None:
            return None
        try:
            stored = shared_cache.get(self.store, self._digest(key))
            value = None if stored is None else _decode(stored)
        except (SQLAlchemyError, KeyError, TypeError) as exc:
            logger.warning("shared shortlist cache entry unusable, computing: %s", exc)
            value = None
        if value is not None:
            self.shared_hits += 1
            self.put(key, value, scope)
        return value

    def preload(self, scope: str, version: int, model: str, day: dt.date, *, limit: int) -> int:
        """Take into memory up to ``limit`` answers any worker stored for ``scope`` at
        ``version`` by ``model`` on ``day`` (blocking I/O); how many it took.

        A worker that starts then finds in memory what the batch and the other workers
        computed, instead of reading each list from the store the first time it is asked.
        """
        if self.store is None or limit <= 0:
            return 0
        try:
            stored = shared_cache.at_version(
                self.store, municipality=scope, store_version=version, limit=limit
            )
        except SQLAlchemyError as exc:
            logger.warning("shared shortlist cache unreadable, nothing preloaded: %s", exc)
            return 0
        taken = 0
        for digest, value in stored:
            asked = value.get("asked")
            if asked is None:  # an earlier release's, which this one never asks for
                continue
            try:
                key = CacheKey(_tupled(asked["request"]), version, str(asked["model"]),
                               dt.date.fromisoformat(asked["day"]))
                if (key.model, key.day) != (model, day) or self._digest(key) != digest:
                    continue  # another model's or day's, or not the key it was stored under
                computed = _decode(value)
            except (KeyError, TypeError, ValueError) as exc:
                logger.warning("shared shortlist cache entry unusable, not preloaded: %s", exc)
                continue
            self.put(key, computed, scope)
            taken += 1
        return taken

    def compute(self, key: CacheKey, compute: Callable[[], Computed], scope: str) -> Computed:
        """``compute()``, kept in memory and shared (blocking I/O); an answer that cannot be
        shared is kept in memory only."""
        value = compute()
        self.computed += 1
        self.put(key, value, scope)
        if self.store is None:
            return value
        try:
            shared_cache.put(
                self.store, self._digest(key), _encode(value, key),
                municipality=scope, store_version=key.version, request=self._request_digest(key),
            )
            self._writes += 1
            if self._writes % self.PURGE_EVERY == 0:
                shared_cache.purge(self.store, before_version=key.version, municipality=scope)
        except SQLAlchemyError as exc:
            logger.warning("could not share a computed shortlist: %s", exc)
        return value

    def newest_shared(self, key: CacheKey) -> tuple[CacheKey, Computed] | None:
        """The newest answer any worker stored to the same request, model and day, made
        before ``key.version`` (blocking I/O; None when the table cannot be read)."""
        if self.store is None:
            return None
        try:
            found = shared_cache.newest(
                self.store, self._request_digest(key), before_version=key.version
            )
            return None if found is None else (key._replace(version=found[0]), _decode(found[1]))
        except (SQLAlchemyError, KeyError, TypeError) as exc:
            logger.warning("shared shortlist cache unusable: %s", exc)
            return None

    def _digest(self, key: CacheKey) -> str:
        return shared_cache.key_digest((self.SHARED_FORMAT, *key))

    def _request_digest(self, key: CacheKey) -> str:
        return shared_cache.key_digest((self.SHARED_FORMAT, key.request, key.model, key.day))

    def clear(self) -> None:
        """Forget the answers in memory (the shared ones are the store's to delete)."""
        with self._lock:
            self._entries.clear()
            self._latest.clear()
            self._late.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: How much lower than the requests' the operating system ranks the background thread's
#: claim on a core (its nice value is raised by this much; Linux only).
BACKGROUND_NICE = 10


def lower_priority(by: int) -> None:
    """Raise the calling thread's nice value by ``by`` (up to 19): the operating system then
    gives it a core after the threads serving requests. Linux only, where a thread has a
    nice value of its own; elsewhere, or where the system refuses, nothing changes."""
    if not sys.platform.startswith("linux") or by <= 0:
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + by))
    except OSError as exc:
        logger.warning("background thread keeps the requests' priority: %s", exc)


class BackgroundRefresh:
    """The work a service does for requests it has already answered, one job at a time in a
    thread of its own: the lists it showed while they were stale (each request once however
    often it was shown meanwhile), and the service's own upkeep (:meth:`run`).

    The thread runs at a lower priority than the requests' (``nice``, :func:`lower_priority`).
    A worker's Python code holds one lock (the GIL); when the machine's cores are all busy,
    whichever of its threads the operating system runs next holds up the rest, and after a
    write the upkeep is some 0.2 s of Python per worker. Run at the same priority, it made
    requests waiting on that worker slower by as much; lowered by 10, the load test's
    shortlists with writes went from p99 180-200 / 190-240 ms (largest municipality / region)
    to 140-170 / 150-190 ms, four runs each, alternating. The price: on a full machine the
    thread falls seconds behind, and more lists are shown as they were meanwhile (README).

    At most ``max_pending`` lists wait; a list left out is offered again at its next showing.
    """

    def __init__(self, max_pending: int = 256, *, nice: int = BACKGROUND_NICE) -> None:
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="shortlist-refresh", initializer=lower_priority, initargs=(nice,)
        )
        self._pending: dict[tuple[Any, ...], Future[None]] = {}
        self._lock = threading.Lock()

    def run(self, job: Callable[[], T]) -> Future[T]:
        """Run ``job`` on the thread, after the jobs waiting (raises RuntimeError once closed)."""
        return self._pool.submit(job)

    def submit(self, request: tuple[Any, ...], job: Callable[[], object]) -> bool:
        """Run ``job`` for ``request`` unless it waits already; False when not queued."""
        with self._lock:
            if request in self._pending or len(self._pending) >= self.max_pending:
                return False
            try:
                self._pending[request] = self._pool.submit(self._run, request, job)
            except RuntimeError:  # closed: the service is stopping
                return False
            return True

    def _run(self, request: tuple[Any, ...], job: Callable[[], object]) -> None:
        try:
            job()
        except Exception:  # the next showing computes it (and reports what is wrong)
            # direction and municipality only: a candidate's id stays out of the logs
            logger.exception("refreshing a shortlist failed: %s", request[:2])
        finally:
            with self._lock:
                self._pending.pop(request, None)

    def close(self) -> None:
        """Drop what waits; the list being computed finishes in its thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._pending.clear()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until nothing is pending; False when ``timeout`` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending.values())
            if not pending:
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            futures_wait(pending, timeout=left)


def _encode(computed: Computed, key: CacheKey) -> dict[str, Any]:
    return {
        # what it answers, for a worker that takes it into memory (:meth:`ShortlistCache.preload`)
        "asked": {"request": key.request, "model": key.model, "day": key.day.isoformat()},
        "shortlist": asdict(computed.shortlist),
        "employer_names": computed.employer_names,
        "need_titles": computed.need_titles,
        "candidate_names": computed.candidate_names,
        "candidate_municipalities": computed.candidate_municipalities,
        "need_municipalities": computed.need_municipalities,
    }


def _tupled(value: Any) -> Any:
    """A request as it was before JSON made its tuples lists."""
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def _decode(value: dict[str, Any]) -> Computed:
    shortlist = dict(value["shortlist"])
    shortlist["matches"] = [
        Match(**{**m, "quote": None if m.get("quote") is None else Quote(
            field=m["quote"]["field"], text=m["quote"]["text"],
            marks=tuple((int(a), int(b)) for a, b in m["quote"]["marks"]),
        )})
        for m in shortlist["matches"]
    ]
    ranking = shortlist.get("ranking")
    if ranking is not None:
        shortlist["ranking"] = Ranking(
            order=tuple((str(c), float(v)) for c, v in ranking["order"]),
            complete=bool(ranking["complete"]),
            retrieved=ranking["retrieved"],
            floor=None if ranking["floor"] is None else float(ranking["floor"]),
            employer_record=(float(ranking["employer_record"][0]), float(ranking["employer_record"][1])),
            pools=tuple((str(m), int(v)) for m, v in ranking["pools"]),
            allowed=int(ranking["allowed"]),
        )
    return Computed(
        Shortlist(**shortlist),
        value["employer_names"],
        value["need_titles"],
        value["candidate_names"],
        value.get("candidate_municipalities", {}),
        value.get("need_municipalities", {}),
    )
