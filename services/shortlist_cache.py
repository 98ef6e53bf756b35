"""Computed shortlists, reused while nothing they depend on changed.

Kept in memory per process and shared through the store
(:mod:`matching.serving.shared_cache`), so worker processes and machines
find an answer one of them computed instead of computing it again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from matching.records.storage import Store
from matching.serving import shared_cache
from matching.shortlists.quotes import Quote
from matching.shortlists.shortlist import Match, Shortlist

if TYPE_CHECKING:
    from services.shortlists import ShortlistOut

__all__ = ["Computed", "ShortlistCache"]

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


class ShortlistCache:
    """Answers of the engine, reused while nothing they depend on changed.

    The key holds everything a shortlist depends on: the request, the overrides in
    force, the version of its scope's records (its municipality's, or its region's:
    any write there moves it on), the model in service and the date the vetoes judge
    on. Entries are kept in memory, least-recently-used first out; with a ``store``
    they are also shared through it (:mod:`matching.serving.shared_cache`), so other
    worker processes and machines find an answer one of them computed instead of
    computing it again. Erasure clears the memory (:mod:`services.erasure`) and, in
    its own transaction, the shared entries of the candidate's region
    (:func:`matching.privacy.erasure.erase_candidate`).
    """

    #: Purge dead shared entries after this many writes.
    PURGE_EVERY = 256
    #: Part of every shared key: raise it when the stored form of a shortlist changes, so
    #: a newer release never reads an older one's entries.
    SHARED_FORMAT = 3

    def __init__(self, max_entries: int = 2048, *, store: Store | None = None) -> None:
        self.max_entries = max_entries
        self.store = store
        self._entries: OrderedDict[tuple[Any, ...], tuple[str, Computed]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.shared_hits = 0
        self.computed = 0  # answers this process computed (neither in memory nor shared)
        self._writes = 0
        self._versions: dict[str, int] = {}  # the newest store version seen per scope
        if store is not None:
            shared_cache.ensure_tables(store)

    def get(self, key: tuple[Any, ...], store_version: int, scope: str) -> Computed | None:
        """The answer in memory (cheap: called on the event loop).

        ``scope`` is what the answer depends on: a municipality, or ``region:<code>``
        for a list over its region; ``store_version`` that scope's version
        (:meth:`~matching.records.storage.Store.version`). Answers from before it can
        never be asked for again (the version is part of every key): the first request
        to see a newer version drops that scope's answers, so data changed or erased
        elsewhere leaves this process too, and other scopes keep theirs.
        """
        with self._lock:
            seen = self._versions.get(scope)
            if seen is None or store_version > seen:
                if seen is not None:
                    for stale in [k for k, (s, _) in self._entries.items() if s == scope]:
                        del self._entries[stale]
                self._versions[scope] = store_version
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]
            self.misses += 1
            return None

    def put(self, key: tuple[Any, ...], value: Computed, scope: str) -> None:
        with self._lock:
            self._entries[key] = (scope, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def load_or_compute(
        self,
        key: tuple[Any, ...],
        compute: Callable[[], Computed],
        *,
        scope: str,
        store_version: int,
    ) -> Computed:
        """The shared answer if one is stored, else ``compute()`` and share it (blocking I/O).

        The shared table only saves work: when it cannot be read or written the
        answer is computed or kept in memory only, and the request goes on.
        """
        value: Computed | None
        if self.store is None:
            value = compute()
            self.computed += 1
            self.put(key, value, scope)
            return value
        digest = shared_cache.key_digest((self.SHARED_FORMAT, *key))
        try:
            stored = shared_cache.get(self.store, digest)
            value = None if stored is None else _decode(stored)
        except (SQLAlchemyError, KeyError, TypeError) as exc:
            logger.warning("shared shortlist cache entry unusable, computing: %s", exc)
            value = None
        if value is not None:
            self.shared_hits += 1
            self.put(key, value, scope)
            return value
        value = compute()
        self.computed += 1
        self.put(key, value, scope)
        try:
            shared_cache.put(
                self.store, digest, _encode(value),
                municipality=scope, store_version=store_version,
            )
            self._writes += 1
            if self._writes % self.PURGE_EVERY == 0:
                shared_cache.purge(self.store, before_version=store_version, municipality=scope)
        except SQLAlchemyError as exc:
            logger.warning("could not share a computed shortlist: %s", exc)
        return value

    def clear(self) -> None:
        """Forget the answers in memory (the shared ones are the store's to delete)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _encode(computed: Computed) -> dict[str, Any]:
    return {
        "shortlist": asdict(computed.shortlist),
        "employer_names": computed.employer_names,
        "need_titles": computed.need_titles,
        "candidate_names": computed.candidate_names,
        "candidate_municipalities": computed.candidate_municipalities,
        "need_municipalities": computed.need_municipalities,
    }


def _decode(value: dict[str, Any]) -> Computed:
    shortlist = dict(value["shortlist"])
    shortlist["matches"] = [
        Match(**{**m, "quote": None if m.get("quote") is None else Quote(
            field=m["quote"]["field"], text=m["quote"]["text"],
            marks=tuple((int(a), int(b)) for a, b in m["quote"]["marks"]),
        )})
        for m in shortlist["matches"]
    ]
    return Computed(
        Shortlist(**shortlist),
        value["employer_names"],
        value["need_titles"],
        value["candidate_names"],
        value.get("candidate_municipalities", {}),
        value.get("need_municipalities", {}),
    )
