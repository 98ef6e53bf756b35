"""Top-k inner-product search over vectors with string ids.

All backends share :class:`VectorIndex`: ``add`` / ``update`` / ``remove`` by
string id, ``search(queries, k) -> (scores, ids)`` and an atomic
``save`` / ``load``. Vectors are expected to be L2-normalised, so scores are
cosine similarities.

=============  ==========================================  =====================
backend        how                                         use for
=============  ==========================================  =====================
``ExactIndex`` numpy brute force; the reference            small pools, tests
``FlatIndex``  faiss ``IndexFlatIP`` in ``IndexIDMap2``    exact, medium pools
``IVFIndex``   faiss ``IndexIVFFlat``, nprobe tuned for     large pools
               recall@20 >= 0.95
=============  ==========================================  =====================

:func:`build_index` picks one by pool size (thresholds below, measured in
``benchmarks/bench_retrieval.py``). String ids are mapped to int64 labels
internally; a label is never reused, so an updated vector always gets a fresh
label. faiss is imported lazily; without it, ``build_index`` falls back to the
exact index.
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import functools
import json
import logging
import math
import numbers
import os
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

logger = logging.getLogger(__name__)

IndexKind = Literal["auto", "exact", "flat", "ivf"]

#: ``build_index(kind="auto")`` uses :class:`ExactIndex` up to this many vectors
#: (numpy, no faiss import; about 1-2 ms per query at this size) ...
EXACT_MAX_SIZE = 20_000
#: ... then :class:`FlatIndex` (exact; faiss' single-query scan is faster than
#: numpy's) up to this many, and :class:`IVFIndex` beyond. Up to ~200k an exact
#: scan stays interactive (tens of ms per query, see the retrieval benchmark)
#: and needs none of IVF's training, nor retraining as the pool grows.
FLAT_MAX_SIZE = 200_000

_FORMAT = "werkkans.vector-index/1"
_META_FILE = "meta.json"
_LOCK_FILE = ".lock"
_GENERATION_FILE = re.compile(r"^[0-9a-f]{12}\.[a-z.]+$")
_CHECK_ROWS = 65_536
_TUNE_QUERIES = 256

_PARALLEL_MIN_QUERIES = 16

_faiss_module: Any = None
_faiss_threads: int | None = None


@functools.cache
def available_cpus() -> int:
    """CPUs this process may use: affinity mask, capped by a cgroup CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def _faiss() -> Any:
    """Import faiss on first use."""
    global _faiss_module
    if _faiss_module is None:
        import faiss

        _faiss_module = faiss
    return _faiss_module


def set_faiss_threads(n_threads: int | None) -> None:
    """Cap the OpenMP threads faiss uses for training, adding and batch search.

    ``None`` (the default) means :func:`available_cpus`, which unlike OpenMP's
    own default respects a container's CPU quota.
    """
    global _faiss_threads
    if n_threads is not None and (not isinstance(n_threads, int) or n_threads < 1):
        raise ValueError(f"n_threads must be an int >= 1 or None, got {n_threads!r}")
    _faiss_threads = n_threads


def _use_threads(n_queries: int | None = None) -> None:
    """Set this thread's OpenMP team size before a faiss call.

    Searches of a few queries run on one thread: faiss splits a single query
    across threads with barriers, which on 2 cores shared with other work was
    several times slower than one thread (100k flat: 100 ms vs 15 ms). The
    OpenMP setting is per calling thread, so it is set on every call.
    """
    small = n_queries is not None and n_queries < _PARALLEL_MIN_QUERIES
    _faiss().omp_set_num_threads(1 if small else (_faiss_threads or available_cpus()))


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def directory_lock(directory: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an advisory lock on ``directory`` (its ``.lock`` file) across processes: shared
    while reading what it holds, exclusive while writing it.

    Several service workers keep the same index folder in step with the store and save it;
    without the lock one worker's clean-up deleted the files the other's ``meta.json`` had
    just named, and a worker starting then found no index to read.
    """
    with open(directory / _LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class VectorIndex(abc.ABC):
    """Interface and shared bookkeeping of every vector index.

    Parameters
    ----------
    dim : int, optional
        Vector dimension; taken from the first ``add`` when omitted.

    Notes
    -----
    Subclasses implement ``_add``, ``_remove``, ``_search``, ``_backend_size``,
    ``_write`` and ``_read`` on int64 labels; validation, id mapping, padding
    and persistence live here, so every backend behaves the same at the edges.

    Concurrent searches are safe; a write (``add``, ``update``, ``remove``)
    must not run concurrently with anything else on the same index. A service
    can guard writes with a lock, or build a new index and swap it in.
    """

    kind: ClassVar[str]
    _registry: ClassVar[dict[str, type[VectorIndex]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            VectorIndex._registry[cls.kind] = cls

    def __init__(self, dim: int | None = None) -> None:
        if dim is not None and (not isinstance(dim, numbers.Integral) or dim < 1):
            raise ValueError(f"dim must be a positive int, got {dim!r}")
        self._dim: int | None = None if dim is None else int(dim)
        self._label_of: dict[str, int] = {}
        self._id_of: dict[int, str] = {}
        self._next_label = 0

    # -- backend hooks -------------------------------------------------------

    @abc.abstractmethod
    def _add(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        """Store float32 vectors under fresh int64 labels."""

    @abc.abstractmethod
    def _remove(self, labels: np.ndarray) -> None:
        """Drop the vectors of these labels (all known to be present)."""

    @abc.abstractmethod
    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, labels) with ``1 <= k <= len(self)``; label -1 for a miss."""

    @abc.abstractmethod
    def _backend_size(self) -> int:
        """Number of vectors the backend holds."""

    @abc.abstractmethod
    def _write(self, directory: Path, generation: str) -> dict[str, str]:
        """Write backend files named ``<generation>.*``; return role -> file name."""

    @abc.abstractmethod
    def _read(self, directory: Path, files: dict[str, str]) -> None:
        """Restore backend state from the files written by ``_write``."""

    def _params(self) -> dict[str, Any]:
        """Constructor keyword arguments besides ``dim``, for persistence."""
        return {}

    def _state(self) -> dict[str, Any]:
        """Learned scalars to persist (JSON-serialisable)."""
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:  # noqa: B027  (optional hook)
        """Restore what ``_state`` returned."""

    # -- introspection -------------------------------------------------------

    @property
    def dim(self) -> int | None:
        """Vector dimension, or ``None`` before the first ``add``."""
        return self._dim

    @property
    def ids(self) -> list[str]:
        """Ids currently in the index."""
        return list(self._label_of)

    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, item: object) -> bool:
        return item in self._label_of

    def __repr__(self) -> str:
        params = "".join(f", {key}={value!r}" for key, value in self._params().items())
        return f"{type(self).__name__}(dim={self._dim}{params}) with {len(self)} vectors"

    # -- validation ----------------------------------------------------------

    def _as_matrix(self, vectors: Any, what: str, *, allow_1d: bool = False) -> np.ndarray:
        array = np.asarray(vectors)
        if allow_1d and array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2:
            raise ValueError(
                f"{what} must be a 2-D array of shape (n, dim), got shape {array.shape}"
            )
        if array.dtype.kind not in "fiu":
            raise ValueError(f"{what} must be real numbers, got dtype {array.dtype}")
        if array.shape[1] == 0:
            raise ValueError(f"{what} have dimension 0")
        if self._dim is not None and array.shape[1] != self._dim:
            raise ValueError(
                f"{what} have dimension {array.shape[1]}, the index has dimension {self._dim}"
            )
        array = np.ascontiguousarray(array, dtype=np.float32)
        for start in range(0, array.shape[0], _CHECK_ROWS):
            block = array[start : start + _CHECK_ROWS]
            finite = np.isfinite(block).all(axis=1)
            if not finite.all():
                row = start + int(np.argmin(finite))
                raise ValueError(f"{what} contain NaN or infinite values (first at row {row})")
        return array

    @staticmethod
    def _as_ids(ids: Sequence[str], n: int) -> list[str]:
        if isinstance(ids, (str, bytes)):
            raise TypeError(
                "ids must be a sequence of strings, got a single string; wrap it in a list"
            )
        items = list(ids)
        if len(items) != n:
            raise ValueError(f"got {len(items)} ids for {n} vectors")
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item:
                raise ValueError(f"ids must be non-empty strings; item {i} is {item!r}")
        items = [str(item) for item in items]  # numpy str_ -> str
        if len(set(items)) != len(items):
            dupes = [item for item, count in Counter(items).items() if count > 1]
            more = " ..." if len(dupes) > 5 else ""
            raise ValueError(f"duplicate ids in one call: {dupes[:5]}{more}")
        return items

    @staticmethod
    def _check_k(k: Any) -> int:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k <= 0:
            raise ValueError(f"k must be a positive int, got {k!r}")
        return int(k)

    # -- mutation ------------------------------------------------------------

    def add(self, ids: Sequence[str], vectors: Any) -> None:
        """Add new vectors.

        Parameters
        ----------
        ids : sequence of str
            Non-empty, distinct, and not yet in the index (see :meth:`update`).
        vectors : array-like of shape (len(ids), dim)
            Finite values, L2-normalised for cosine scores.

        Raises
        ------
        ValueError
            On a shape or dimension mismatch, NaN/inf, empty or duplicate ids,
            or ids already present. Nothing is added in that case.
        """
        matrix = self._as_matrix(vectors, "vectors")
        items = self._as_ids(ids, matrix.shape[0])
        present = [item for item in items if item in self._label_of]
        if present:
            raise ValueError(
                f"{len(present)} ids are already in the index (e.g. {present[:3]}); "
                "use update() to replace them"
            )
        self._insert(items, matrix)

    def update(self, ids: Sequence[str], vectors: Any) -> None:
        """Add or replace vectors: existing ids are removed, then all are added.

        Parameters and errors as for :meth:`add`, except that ids may already
        be present.
        """
        matrix = self._as_matrix(vectors, "vectors")
        items = self._as_ids(ids, matrix.shape[0])
        existing = [item for item in items if item in self._label_of]
        if existing:
            self._drop(existing)
        self._insert(items, matrix)

    def remove(self, ids: Sequence[str], *, missing_ok: bool = False) -> int:
        """Remove vectors by id.

        Parameters
        ----------
        ids : sequence of str
        missing_ok : bool, default False
            Ignore ids that are not in the index (for repeatable erasure)
            instead of raising ``KeyError``.

        Returns
        -------
        int
            Number of vectors removed.
        """
        if isinstance(ids, (str, bytes)):
            raise TypeError(
                "ids must be a sequence of strings, got a single string; wrap it in a list"
            )
        items = list(dict.fromkeys(ids))
        present = [item for item in items if item in self._label_of]
        if not missing_ok and len(present) != len(items):
            missing = [item for item in items if item not in self._label_of]
            raise KeyError(f"{len(missing)} ids are not in the index: {missing[:5]}")
        if present:
            self._drop(present)
        return len(present)

    def _insert(self, items: list[str], matrix: np.ndarray) -> None:
        if not items:
            return
        labels = np.arange(self._next_label, self._next_label + len(items), dtype=np.int64)
        self._add(labels, matrix)
        self._dim = int(matrix.shape[1])
        self._next_label += len(items)
        for item, label in zip(items, labels.tolist(), strict=True):
            self._label_of[item] = label
            self._id_of[label] = item

    def _drop(self, items: list[str]) -> None:
        labels = np.fromiter(
            (self._label_of[item] for item in items), dtype=np.int64, count=len(items)
        )
        self._remove(labels)
        for item, label in zip(items, labels.tolist(), strict=True):
            del self._label_of[item]
            del self._id_of[label]

    # -- search --------------------------------------------------------------

    def search(self, queries: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` highest inner products for each query.

        Parameters
        ----------
        queries : array-like of shape (nq, dim) or (dim,)
            A 1-D array is one query.
        k : int
            Results per query; when fewer vectors exist, the rest is padded.

        Returns
        -------
        scores : ndarray of shape (nq, k), float32
            Best first; ``-inf`` where padded.
        ids : ndarray of shape (nq, k), object
            String ids; ``""`` where padded.

        Examples
        --------
        >>> index = ExactIndex()
        >>> index.add(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
        >>> scores, ids = index.search([[1.0, 0.0]], k=3)
        >>> ids.tolist(), scores.tolist()
        ([['a', 'b', '']], [[1.0, 0.0, -inf]])
        """
        k = self._check_k(k)
        matrix = self._as_matrix(queries, "queries", allow_1d=True)
        n_queries = matrix.shape[0]
        scores = np.full((n_queries, k), -np.inf, dtype=np.float32)
        ids = np.full((n_queries, k), "", dtype=object)
        if n_queries == 0 or not self._label_of:
            return scores, ids
        found = min(k, len(self._label_of))
        top_scores, top_labels = self._search(matrix, found)
        hit = top_labels >= 0
        scores[:, :found] = np.where(hit, top_scores, -np.inf)
        id_of = self._id_of
        ids[:, :found] = [[id_of.get(label, "") for label in row] for row in top_labels.tolist()]
        return scores, ids

    # -- persistence ---------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index to a directory, atomically.

        Data files carry a fresh generation prefix; ``meta.json``, which names
        them, is replaced last with a rename. A reader (or a crash) therefore
        sees either the previous complete index or the new one. Files of older
        generations are deleted afterwards.

        Returns
        -------
        Path
            The directory.
        """
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        with directory_lock(directory):
            self._save(directory)
        return directory

    def _save(self, directory: Path) -> None:
        generation = uuid.uuid4().hex[:12]
        written: list[Path] = []
        try:
            ids_file = f"{generation}.ids.npz"
            np.savez(
                directory / ids_file,
                labels=np.fromiter(
                    self._label_of.values(), dtype=np.int64, count=len(self._label_of)
                ),
                ids=np.array(list(self._label_of), dtype=str),
            )
            written.append(directory / ids_file)
            files = {"ids": ids_file}
            backend_files = self._write(directory, generation)
            written.extend(directory / name for name in backend_files.values())
            files.update(backend_files)
            for file in written:
                _fsync(file)
            meta = {
                "format": _FORMAT,
                "kind": self.kind,
                "dim": self._dim,
                "size": len(self),
                "next_label": self._next_label,
                "params": self._params(),
                "state": self._state(),
                "files": files,
            }
            fd, tmp_name = tempfile.mkstemp(prefix=f".{_META_FILE}.", suffix=".tmp", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(meta, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, directory / _META_FILE)
        except BaseException:
            for file in written:
                file.unlink(missing_ok=True)
            raise
        keep = set(files.values())
        for file in directory.iterdir():
            if _GENERATION_FILE.match(file.name) and file.name not in keep:
                file.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> VectorIndex:
        """Read an index written by :meth:`save`.

        Called on :class:`VectorIndex` it returns whichever backend was saved;
        called on a backend class it also checks that the saved kind matches.
        """
        directory = Path(path)
        meta_path = directory / _META_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(f"no saved vector index in {directory} (missing {_META_FILE})")
        with directory_lock(directory, shared=True):  # no writer deletes what meta.json names
            return cls._load(directory, meta_path)

    @classmethod
    def _load(cls, directory: Path, meta_path: Path) -> VectorIndex:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{meta_path} has format {meta.get('format')!r}, expected {_FORMAT!r}")
        target = VectorIndex._registry.get(meta["kind"])
        if target is None:
            raise ValueError(f"{meta_path} holds an unknown index kind {meta['kind']!r}")
        if not issubclass(target, cls):
            raise ValueError(f"{directory} holds a {meta['kind']!r} index, not {cls.kind!r}")
        index = target(meta["dim"], **meta["params"])
        files = meta["files"]
        with np.load(directory / files["ids"], allow_pickle=False) as arrays:
            labels = arrays["labels"].tolist()
            ids = arrays["ids"].tolist()
        index._label_of = dict(zip(ids, labels, strict=True))
        index._id_of = dict(zip(labels, ids, strict=True))
        index._next_label = int(meta["next_label"])
        index._read(directory, files)
        index._set_state(meta.get("state", {}))
        if index._backend_size() != len(index._label_of):
            raise ValueError(
                f"{directory} is inconsistent: "
                f"{index._backend_size()} vectors for {len(index._label_of)} ids"
            )
        return index


class ExactIndex(VectorIndex):
    """Brute-force numpy index: exact, dependency-free, the reference for the others.

    Examples
    --------
    >>> index = ExactIndex()
    >>> index.add(["x", "y"], [[0.6, 0.8], [1.0, 0.0]])
    >>> index.search([1.0, 0.0], k=1)[1].tolist()
    [['y']]
    """

    kind = "exact"
    _BLOCK_SCORES = 1 << 24  # bounds the (queries x vectors) score block to 64 MB

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim)
        self._vectors = np.empty((0, dim or 0), dtype=np.float32)
        self._labels = np.empty(0, dtype=np.int64)
        self._n = 0

    def _add(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        needed = self._n + len(labels)
        if needed > len(self._labels) or self._vectors.shape[1] != vectors.shape[1]:
            # Grow geometrically so that many small adds stay linear overall.
            capacity = max(needed, int(len(self._labels) * 1.5), 64)
            grown = np.empty((capacity, vectors.shape[1]), dtype=np.float32)
            if self._n:
                grown[: self._n] = self._vectors[: self._n]
            grown_labels = np.empty(capacity, dtype=np.int64)
            grown_labels[: self._n] = self._labels[: self._n]
            self._vectors, self._labels = grown, grown_labels
        self._vectors[self._n : needed] = vectors
        self._labels[self._n : needed] = labels
        self._n = needed

    def _remove(self, labels: np.ndarray) -> None:
        keep = ~np.isin(self._labels[: self._n], labels)
        kept = int(keep.sum())
        self._vectors[:kept] = self._vectors[: self._n][keep]
        self._labels[:kept] = self._labels[: self._n][keep]
        self._n = kept

    def _scores(self, queries: np.ndarray) -> np.ndarray:
        vectors = self._vectors[: self._n]
        if len(queries) < _PARALLEL_MIN_QUERIES:
            # einsum runs its own single-threaded SIMD loop. Multi-threaded BLAS
            # for one query was 2-10x slower on 2 cores shared with other work
            # (threads wait for each other's time slices), and a service with
            # several workers shares its cores the same way.
            return np.stack([np.einsum("nd,d->n", vectors, query) for query in queries])
        return queries @ vectors.T

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        labels = self._labels[: self._n]
        n = self._n
        out_scores = np.empty((len(queries), k), dtype=np.float32)
        out_labels = np.empty((len(queries), k), dtype=np.int64)
        rows = max(1, self._BLOCK_SCORES // n)
        for start in range(0, len(queries), rows):
            block = self._scores(queries[start : start + rows])
            if k < n:
                top = np.argpartition(block, n - k, axis=1)[:, n - k :]
            else:
                top = np.broadcast_to(np.arange(n), block.shape)
            top_scores = np.take_along_axis(block, top, axis=1)
            order = np.argsort(-top_scores, axis=1, kind="stable")
            out_scores[start : start + rows] = np.take_along_axis(top_scores, order, axis=1)
            out_labels[start : start + rows] = labels[np.take_along_axis(top, order, axis=1)]
        return out_scores, out_labels

    def _backend_size(self) -> int:
        return self._n

    def _write(self, directory: Path, generation: str) -> dict[str, str]:
        files = {"vectors": f"{generation}.vectors.npy", "labels": f"{generation}.labels.npy"}
        np.save(directory / files["vectors"], self._vectors[: self._n])
        np.save(directory / files["labels"], self._labels[: self._n])
        return files

    def _read(self, directory: Path, files: dict[str, str]) -> None:
        self._vectors = np.load(directory / files["vectors"], allow_pickle=False)
        self._labels = np.load(directory / files["labels"], allow_pickle=False)
        self._n = len(self._labels)


class _FaissIndex(VectorIndex):
    """Shared plumbing of the faiss backends: lazy creation, add/remove/search, files."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim)
        self._index: Any = None

    @abc.abstractmethod
    def _create(self, vectors: np.ndarray) -> Any:
        """Build (and train, if needed) an empty faiss index for the first batch."""

    def _add(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        _use_threads()
        if self._index is None:
            self._index = self._create(vectors)
        self._index.add_with_ids(vectors, labels)

    def _remove(self, labels: np.ndarray) -> None:
        self._index.remove_ids(labels)

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        _use_threads(len(queries))
        result: tuple[np.ndarray, np.ndarray] = self._index.search(queries, k)
        return result

    def _backend_size(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal)

    def _write(self, directory: Path, generation: str) -> dict[str, str]:
        if self._index is None:
            return {}
        name = f"{generation}.faiss"
        _faiss().write_index(self._index, os.fspath(directory / name))
        return {"faiss": name}

    def _read(self, directory: Path, files: dict[str, str]) -> None:
        if "faiss" in files:
            self._index = _faiss().read_index(os.fspath(directory / files["faiss"]))


class FlatIndex(_FaissIndex):
    """Exact search with faiss ``IndexFlatIP`` (BLAS-backed), ids via ``IndexIDMap2``."""

    kind = "flat"

    def _create(self, vectors: np.ndarray) -> Any:
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))


class IVFIndex(_FaissIndex):
    """Approximate search with faiss ``IndexIVFFlat`` (inverted lists, exact scores).

    The coarse quantizer is trained (spherical k-means) on the first batch
    added, so build it with the whole pool (see :func:`build_index`). Vectors
    added later go to the existing lists; rebuild when the pool has grown
    several-fold, which is logged.

    Parameters
    ----------
    dim : int, optional
    nlist : int, optional
        Number of inverted lists. Default ``4 * sqrt(n)`` for the first batch of
        ``n`` vectors, capped so that each list gets at least 39 training points.
    nprobe : int, optional
        Lists visited per query. Default: tuned after the first batch to the
        smallest power of two reaching ``target_recall`` at ``k=20``, using as
        queries up to 256 pool vectors left out of k-means training
        (self-matches excluded); see also :meth:`tune_nprobe`.
    target_recall : float, default 0.95
    train_points_per_list : int, default 64
        Training sample size per list; k-means cost grows with it.
    random_state : int, default 0

    Attributes
    ----------
    nlist_ : int
    nprobe_ : int
        Settable, e.g. after tuning on real queries.
    trained_size_ : int
        Size of the first batch.
    """

    kind = "ivf"

    def __init__(
        self,
        dim: int | None = None,
        *,
        nlist: int | None = None,
        nprobe: int | None = None,
        target_recall: float = 0.95,
        train_points_per_list: int = 64,
        random_state: int = 0,
    ) -> None:
        super().__init__(dim)
        for label, value in (("nlist", nlist), ("nprobe", nprobe)):
            if value is not None and (not isinstance(value, numbers.Integral) or value < 1):
                raise ValueError(f"{label} must be a positive int or None, got {value!r}")
        if not 0.0 < target_recall <= 1.0:
            raise ValueError(f"target_recall must be in (0, 1], got {target_recall!r}")
        if not isinstance(train_points_per_list, numbers.Integral) or train_points_per_list < 1:
            raise ValueError(
                f"train_points_per_list must be a positive int, got {train_points_per_list!r}"
            )
        self.nlist: int | None = nlist
        self.nprobe: int | None = nprobe
        self.target_recall: float = target_recall
        self.train_points_per_list: int = train_points_per_list
        self.random_state: int = random_state
        self.nlist_: int | None = None
        self._nprobe: int | None = None
        self.trained_size_: int | None = None

    def _params(self) -> dict[str, Any]:
        return {
            "nlist": self.nlist,
            "nprobe": self.nprobe,
            "target_recall": self.target_recall,
            "train_points_per_list": self.train_points_per_list,
            "random_state": self.random_state,
        }

    def _state(self) -> dict[str, Any]:
        return {"nlist_": self.nlist_, "nprobe_": self._nprobe, "trained_size_": self.trained_size_}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.nlist_ = state.get("nlist_")
        self.trained_size_ = state.get("trained_size_")
        if state.get("nprobe_") is not None:
            self.nprobe_ = state["nprobe_"]

    @property
    def nprobe_(self) -> int | None:
        return self._nprobe

    @nprobe_.setter
    def nprobe_(self, value: int) -> None:
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"nprobe must be a positive int, got {value!r}")
        self._nprobe = int(min(value, self.nlist_ or value))
        if self._index is not None:
            self._index.nprobe = self._nprobe

    @staticmethod
    def default_nlist(n: int) -> int:
        """``round(4 * sqrt(n))``, at least 1 and at most ``n // 39``.

        39 training points per list is the minimum faiss accepts without warning.
        """
        return max(1, min(round(4 * math.sqrt(n)), n // 39))

    def _create(self, vectors: np.ndarray) -> Any:
        faiss = _faiss()
        n, dim = vectors.shape
        nlist = self.default_nlist(n) if self.nlist is None else min(int(self.nlist), n)
        rng = np.random.default_rng(self.random_state)
        n_train = min(n, nlist * self.train_points_per_list)
        rows = np.sort(rng.choice(n, size=n_train, replace=False)) if n_train < n else None
        # Tuning queries come from vectors k-means has not seen when there are
        # any: training points sit closer to their centroid than new queries
        # do, and made the tuned nprobe optimistic.
        unseen = np.setdiff1d(np.arange(n), rows) if rows is not None else np.arange(n)
        self._tune_rows = rng.choice(unseen, size=min(_TUNE_QUERIES, len(unseen)), replace=False)

        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = int(self.random_state)
        index.cp.spherical = True
        index.cp.max_points_per_centroid = math.ceil(n_train / nlist) + 1  # no second subsample
        logger.info("IVFIndex: training %d lists on %d of %d vectors", nlist, n_train, n)
        index.train(vectors if rows is None else vectors[rows])
        self.nlist_ = nlist
        self.trained_size_ = n
        return index

    def _add(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        first = self._index is None
        super()._add(labels, vectors)
        if first:
            if self.nprobe is not None:
                self.nprobe_ = self.nprobe
            else:
                pick = self._tune_rows
                self.nprobe_ = self._tune(vectors[pick], 20, self.target_recall, labels[pick])
            del self._tune_rows
        elif self.trained_size_ and self._index.ntotal > 8 * self.trained_size_:
            logger.warning(
                "IVFIndex holds %d vectors but was trained on %d; rebuild it for speed and recall",
                self._index.ntotal, self.trained_size_,
            )

    def tune_nprobe(self, queries: Any, *, k: int = 20, target_recall: float | None = None) -> int:
        """Set ``nprobe_`` to the smallest power of two reaching the target recall.

        Recall@k is measured against an exhaustive scan of all lists (exact for
        ``IndexIVFFlat``). Prefer real queries: pool vectors used as queries
        are easier than typical queries.

        Parameters
        ----------
        queries : array-like of shape (nq, dim)
        k : int, default 20
        target_recall : float, optional
            Defaults to the constructor's ``target_recall``.

        Returns
        -------
        int
            The chosen ``nprobe``.
        """
        if self._index is None or self._index.ntotal == 0:
            raise ValueError("cannot tune nprobe on an empty index")
        matrix = self._as_matrix(queries, "queries", allow_1d=True)
        k = self._check_k(k)
        target = self.target_recall if target_recall is None else target_recall
        self.nprobe_ = self._tune(matrix, k, target)
        if self._nprobe is None:  # pragma: no cover - the setter just set it
            raise RuntimeError("nprobe was not set")
        return self._nprobe

    def _tune(
        self, queries: np.ndarray, k: int, target: float, exclude: np.ndarray | None = None
    ) -> int:
        index, nlist = self._index, self.nlist_ or 1
        _use_threads(len(queries))
        extra = 0 if exclude is None else 1
        k = min(k, int(index.ntotal) - extra)
        if k < 1:
            return nlist
        index.nprobe = nlist
        _, truth = index.search(queries, k + extra)
        truth_sets = self._result_sets(truth, exclude, k)
        nprobe = 1
        while nprobe < nlist:
            index.nprobe = nprobe
            _, found = index.search(queries, k + extra)
            found_sets = self._result_sets(found, exclude, k)
            pairs = zip(truth_sets, found_sets, strict=True)
            recall = np.mean([len(t & f) / len(t) for t, f in pairs if t])
            if recall >= target:
                logger.info(
                    "IVFIndex: nprobe=%d of %d lists gives recall@%d=%.3f", nprobe, nlist, k, recall
                )
                return nprobe
            nprobe *= 2
        return nlist

    @staticmethod
    def _result_sets(labels: np.ndarray, exclude: np.ndarray | None, k: int) -> list[set[int]]:
        sets = []
        for row, found in enumerate(labels.tolist()):
            found = [x for x in found if x >= 0 and (exclude is None or x != exclude[row])]
            sets.append(set(found[:k]))
        return sets


def build_index(
    ids: Sequence[str],
    vectors: Any,
    kind: IndexKind = "auto",
    **params: Any,
) -> VectorIndex:
    """Build and fill an index for a pool of vectors.

    Parameters
    ----------
    ids : sequence of str
    vectors : array-like of shape (len(ids), dim)
        L2-normalised.
    kind : {"auto", "exact", "flat", "ivf"}, default "auto"
        ``"auto"`` picks :class:`ExactIndex` up to :data:`EXACT_MAX_SIZE`
        vectors, :class:`FlatIndex` up to :data:`FLAT_MAX_SIZE` and
        :class:`IVFIndex` beyond; without faiss installed it falls back to
        :class:`ExactIndex`.
    **params
        Passed to the backend's constructor (e.g. ``nprobe=32``).

    Returns
    -------
    VectorIndex

    Examples
    --------
    >>> index = build_index(["a", "b"], np.eye(2, dtype=np.float32))
    >>> type(index).__name__, len(index)
    ('ExactIndex', 2)
    """
    n = len(ids)
    chosen: str = kind
    if kind == "auto":
        chosen = "exact" if n <= EXACT_MAX_SIZE else "flat" if n <= FLAT_MAX_SIZE else "ivf"
        if chosen != "exact":
            try:
                _faiss()
            except ImportError:
                logger.warning("faiss is not installed; exact numpy index for %d vectors", n)
                chosen = "exact"
    backend = VectorIndex._registry.get(chosen)
    if backend is None:
        kinds = ", ".join(map(repr, VectorIndex._registry))
        raise ValueError(f"kind must be one of 'auto', {kinds}; got {kind!r}")
    index = backend(**params)
    index.add(ids, vectors)
    return index
