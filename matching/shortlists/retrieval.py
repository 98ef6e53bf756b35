"""The retrieval index: candidates and open work needs as vectors, kept in step with the store.

Two vector indexes (candidates, work needs) hold the vectors of their whole
texts. Next to them a manifest keeps each record's text hash: a sync
re-embeds only records whose text changed, adds new ones and removes those
that left (no consent to matching, erased, closed work needs). Candidates
without consent to matching are never indexed. A sync also embeds the
sentences the ranker's text models read (:mod:`matching.shortlists.text_models`),
so a shortlist never waits for the encoder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matching.records.schemas import Candidate, WorkNeed
from matching.records.storage import Store
from matching.shortlists.text_space import TextSpace, candidate_text, work_need_text
from models.vector_index import VectorIndex, build_index, directory_lock

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ProgressCallback = Callable[[str, int, int], None]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass
class SyncReport:
    """What a sync changed, per kind of record."""

    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(self.added.values()) + sum(self.updated.values()) + sum(self.removed.values())


@dataclass
class ConsistencyReport:
    """Differences between the index and the store; empty lists mean consistent."""

    missing: list[str] = field(default_factory=list)  # in the store, not in the index
    stale: list[str] = field(default_factory=list)  # text changed since it was indexed
    extra: list[str] = field(default_factory=list)  # in the index, not (or no longer) in the store

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def indexable_candidates(store: Store) -> list[Candidate]:
    """Candidates whose profile may be used for matching."""
    return [c for c in store.list(Candidate) if c.consent_matching]


def indexable_work_needs(store: Store) -> list[WorkNeed]:
    return [n for n in store.list(WorkNeed) if n.open]


def most_similar(similarities: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` allowed rows with the highest ``similarities`` (to a query), most
    similar first, ties to the lower row: what a stable sort of every allowed row gives, for
    the cost of a partition instead of a copy and a sort. ``similarities`` is overwritten.

    >>> most_similar(np.array([1.0, 3.0, 2.0, 3.0]), np.array([True] * 4), 3)
    array([1, 3, 2])
    """
    sims = similarities
    sims[~allowed] = -np.inf
    n_allowed = int(np.count_nonzero(allowed))
    if n_allowed <= k:
        rows = np.flatnonzero(allowed)
    else:
        kth = np.partition(sims, len(sims) - k)[len(sims) - k]  # the k-th highest
        above = np.flatnonzero(sims > kth)
        rows = np.concatenate([above, np.flatnonzero(sims == kth)[: k - above.size]])
    return rows[np.lexsort((rows, -sims[rows]))]


class RetrievalIndex:
    """Persistent dense-vector indexes of candidates and work needs.

    Parameters
    ----------
    space
        Embeds texts (through its cache).
    directory
        Where the indexes and manifest live; None keeps everything in memory.
    """

    KINDS = ("candidates", "work_needs")

    def __init__(self, space: TextSpace, directory: Path | None = None) -> None:
        self.space = space
        self.directory = None if directory is None else Path(directory)
        self.indexes: dict[str, VectorIndex | None] = {kind: None for kind in self.KINDS}
        self.hashes: dict[str, dict[str, str]] = {kind: {} for kind in self.KINDS}
        if self.directory is not None and (self.directory / MANIFEST).exists():
            self._load()

    # ---- persistence -----------------------------------------------------------------------

    def _load(self) -> None:
        assert self.directory is not None
        with directory_lock(self.directory, shared=True):  # the manifest and indexes of one save
            self._read(self.directory)

    def _read(self, directory: Path) -> None:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("space") != self.space.name:
            logger.warning("index was built with another text space; it will be rebuilt on sync")
            return
        for kind in self.KINDS:
            path = directory / kind
            if (path / "meta.json").exists():
                self.indexes[kind] = VectorIndex.load(path)
                self.hashes[kind] = dict(manifest["hashes"][kind])

    def save(self) -> None:
        """Write the indexes, then the manifest (atomically, last); one process at a time, so
        the manifest's text hashes always describe the indexes saved with it."""
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with directory_lock(self.directory):
            for kind, index in self.indexes.items():
                if index is not None:
                    index.save(self.directory / kind)
            manifest = {"space": self.space.name, "hashes": self.hashes}
            fd, tmp = tempfile.mkstemp(prefix=".manifest.", dir=self.directory)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(manifest, handle)
            os.replace(tmp, self.directory / MANIFEST)

    # ---- keeping in step with the store ----------------------------------------------------

    def _wanted(
        self, store: Store, ids: Collection[str] | None = None
    ) -> tuple[dict[str, dict[str, str]], dict[str, Candidate]]:
        """Per kind: id -> text of every record that belongs in the index (``ids``: of those
        records only), and the candidates among them."""
        if ids is None:
            candidates, needs = indexable_candidates(store), indexable_work_needs(store)
        else:
            wanted: dict[str, object] = {"id": sorted(ids)}
            candidates = [c for c in store.list(Candidate, where=wanted) if c.consent_matching]
            needs = [n for n in store.list(WorkNeed, where=wanted) if n.open]
        texts = {
            "candidates": {c.id: candidate_text(c) for c in candidates},
            "work_needs": {n.id: work_need_text(n) for n in needs},
        }
        return texts, {c.id: c for c in candidates}

    def sync(
        self, store: Store, *, progress: ProgressCallback | None = None, ids: Collection[str] | None = None
    ) -> SyncReport:
        """Bring the indexes in line with the store, embedding only changed texts.

        ``ids``: only these candidates and work needs may have changed (what the store's
        history says was written since the last sync), so only they are read and compared;
        the unchanged records of a large store are not read at all. Such a sync writes the
        index to disk only when it removed someone (writing every vector and hash after each
        edit cost more than the rest of a list): a copy on disk that lacks a few new or
        edited texts is brought up to date by the next full sync from the embedding cache, one
        that still holds a removed candidate is not acceptable.
        """
        report = SyncReport()
        wanted, by_id = self._wanted(store, ids)
        for kind, texts in wanted.items():
            known = self.hashes[kind]
            hashes = {i: text_hash(t) for i, t in texts.items()}
            compared = known if ids is None else [i for i in ids if i in known]
            gone = [i for i in compared if i not in hashes]
            new = [i for i in hashes if i not in known]
            changed = [i for i in hashes if i in known and known[i] != hashes[i]]
            index = self.indexes[kind]
            if index is not None and gone:
                index.remove(gone)
            todo = new + changed
            if todo:
                callback = None if progress is None else (lambda d, t, k=kind: progress(k, d, t))
                if kind == "candidates":
                    # sentence by sentence: the ranker's text models read the same vectors
                    vectors = self.space.candidate_vectors([by_id[i] for i in todo], progress=callback).dense
                else:
                    vectors = self.space.embed([texts[i] for i in todo], progress=callback)
                if index is None:
                    self.indexes[kind] = build_index(todo, vectors)
                else:
                    if new:
                        index.add(new, vectors[: len(new)])
                    if changed:
                        index.update(changed, vectors[len(new) :])
            if ids is None:
                self.hashes[kind] = hashes
            else:
                for i in gone:
                    del known[i]
                known.update(hashes)
            report.added[kind] = len(new)
            report.updated[kind] = len(changed)
            report.removed[kind] = len(gone)
            report.unchanged[kind] = len(hashes) - len(new) - len(changed)
        if sum(report.removed.values()) if ids is not None else report.changed:
            self.save()
        return report

    def rebuild(self, store: Store, *, progress: ProgressCallback | None = None) -> SyncReport:
        """Throw the indexes away and build them again from the store (vectors come from the cache)."""
        self.indexes = {kind: None for kind in self.KINDS}
        self.hashes = {kind: {} for kind in self.KINDS}
        return self.sync(store, progress=progress)

    def check(self, store: Store) -> dict[str, ConsistencyReport]:
        """Compare the indexes with the store without changing anything."""
        out: dict[str, ConsistencyReport] = {}
        for kind, texts in self._wanted(store)[0].items():
            index = self.indexes[kind]
            in_index = set(index.ids) if index is not None else set()
            report = ConsistencyReport(
                missing=sorted(i for i in texts if i not in in_index),
                stale=sorted(
                    i for i in texts if i in in_index and self.hashes[kind].get(i) != text_hash(texts[i])
                ),
                extra=sorted(i for i in in_index if i not in texts),
            )
            out[kind] = report
        return out

    def remove_candidate(self, candidate_id: str) -> bool:
        """Drop a candidate from the index now (erasure, consent withdrawn)."""
        index = self.indexes["candidates"]
        self.hashes["candidates"].pop(candidate_id, None)
        removed = bool(index is not None and index.remove([candidate_id], missing_ok=True))
        self.save()
        return removed

    # ---- search ----------------------------------------------------------------------------

    def search(self, kind: str, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) of one query vector among ``kind``."""
        index = self.indexes[kind]
        if index is None or len(index) == 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=object)
        scores, ids = index.search(query[None, :], k)
        hit = ids[0] != ""
        return scores[0][hit], ids[0][hit]

