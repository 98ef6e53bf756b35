"""Persistent, content-addressed cache of text embeddings.

A vector is stored under ``sha256(encoder name + NUL + text)``, so re-importing
unchanged texts costs a hash and a lookup instead of a forward pass, and a
changed text (or a refitted encoder, whose name changes) is simply a miss.

Storage is one SQLite file in a directory of the caller's choice. SQLite was
preferred over an ``.npy`` snapshot because several processes (the service and
a CSV import) may use the same cache: every batch is committed in its own
transaction (a crash leaves the previous state, never half a batch), and an
erasure by one process cannot be undone by another process later writing back
an older in-memory snapshot. ``secure_delete`` makes SQLite overwrite removed
vectors in the file instead of only unlinking their pages, which matters because
embeddings of personal texts are personal data.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

from models.encoders import TextEncoder

logger = logging.getLogger(__name__)

CACHE_FILE = "embeddings.sqlite3"
_SCHEMA_VERSION = 1
_SQL_CHUNK = 500  # stays below SQLite's host-parameter limit on old builds

ProgressCallback = Callable[[int, int], None]


def content_hash(encoder_name: str, text: str) -> str:
    """Cache key of one text for one encoder: hex sha256 of ``name + NUL + text``.

    Examples
    --------
    >>> content_hash("dense:x", "kok") == content_hash("dense:x", "kok")
    True
    >>> content_hash("dense:x", "kok") == content_hash("dense:y", "kok")
    False
    """
    digest = hashlib.sha256(encoder_name.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EmbeddingCache:
    """Embed texts through an encoder, computing each distinct text only once.

    The cache is itself a :class:`~models.encoders.TextEncoder` (same ``name``,
    ``dim`` and ``encode``), so it can stand in for its encoder anywhere.

    Parameters
    ----------
    encoder : TextEncoder
        Produces the vectors; its ``name`` is part of every key.
    directory : str or path-like, optional
        Where ``embeddings.sqlite3`` lives (created if needed). ``None`` keeps
        the cache in memory for the lifetime of the object.
    chunk_size : int, default 256
        Missing texts are embedded and committed this many at a time, so a long
        import that is interrupted keeps the work already done.

    Attributes
    ----------
    hits, misses : int
        Distinct texts served from the cache / embedded, summed over calls to
        :meth:`encode` since construction or :meth:`reset_counters`.

    Examples
    --------
    >>> cache = EmbeddingCache(encoder, "var/embeddings")      # doctest: +SKIP
    >>> vectors = cache.encode(texts)                          # doctest: +SKIP
    >>> cache.encode(texts); cache.misses                      # doctest: +SKIP
    0
    """

    def __init__(
        self,
        encoder: TextEncoder,
        directory: str | os.PathLike[str] | None = None,
        *,
        chunk_size: int = 256,
    ) -> None:
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be an int >= 1, got {chunk_size!r}")
        self.encoder = encoder
        self.directory = None if directory is None else Path(directory)
        self.chunk_size = chunk_size
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._conn = self._connect()

    # -- storage -------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The SQLite file, or ``None`` for an in-memory cache."""
        return None if self.directory is None else self.directory / CACHE_FILE

    def _connect(self) -> sqlite3.Connection:
        if self.directory is None:
            target = ":memory:"
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = os.fspath(self.directory / CACHE_FILE)
        conn = sqlite3.connect(target, timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, _SCHEMA_VERSION):
            conn.close()
            raise ValueError(
                f"{target} has cache schema version {version}; "
                f"this code reads version {_SCHEMA_VERSION}"
            )
        with conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS embeddings ("
                " key TEXT PRIMARY KEY, encoder TEXT NOT NULL,"
                " dim INTEGER NOT NULL, vector BLOB NOT NULL) WITHOUT ROWID"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS embeddings_encoder ON embeddings (encoder)")
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        return conn

    def close(self) -> None:
        """Close the database connection; the object is unusable afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "memory" if self.path is None else os.fspath(self.path)
        return f"EmbeddingCache({self.encoder!r}, {where!r})"

    def __len__(self) -> int:
        """Number of vectors stored for the current encoder."""
        name = self.encoder.name
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM embeddings WHERE encoder = ?", (name,)
            ).fetchone()
        return int(row[0])

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        key = self.key(text)
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM embeddings WHERE key = ?", (key,)).fetchone()
        return row is not None

    def key(self, text: str) -> str:
        """Cache key of ``text`` under the current encoder."""
        return content_hash(self.encoder.name, text)

    def keys(self, texts: Sequence[str]) -> list[str]:
        """Cache keys of ``texts`` under the current encoder, in order."""
        name = self.encoder.name
        return [content_hash(name, text) for text in texts]

    def _lookup(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for chunk in _chunks(keys, _SQL_CHUNK):
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, dim, vector FROM embeddings WHERE key IN ({marks})", tuple(chunk)
                )
                for key, dim, blob in rows:
                    if len(blob) == 4 * dim:
                        found[key] = np.frombuffer(blob, dtype="<f4")
                    else:
                        logger.warning("embedding cache: entry %s is corrupt; re-embedding it", key)
        return found

    def _store(self, name: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (key, name, vectors.shape[1], vector.astype("<f4", copy=False).tobytes())
            for key, vector in zip(keys, vectors, strict=True)
        ]
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO embeddings (key, encoder, dim, vector) VALUES (?, ?, ?, ?)",
                rows,
            )

    # -- public API ----------------------------------------------------------

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The distinct texts not cached yet, in first-seen order (what :meth:`encode` would
        have to embed)."""
        name = self.encoder.name
        text_of = {content_hash(name, text): text for text in texts}
        found = self._lookup(list(text_of))
        return [text for key, text in text_of.items() if key not in found]

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors computed elsewhere (another process or machine running the same
        encoder) for ``texts``; committed before this returns."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ValueError(f"expected {len(texts)} vectors, got an array of shape {vectors.shape}")
        self._store(self.encoder.name, self.keys(texts), vectors)

    @property
    def name(self) -> str:
        """The encoder's name: the cache is itself a :class:`TextEncoder`."""
        return self.encoder.name

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        show_progress: bool = False,
        progress: ProgressCallback | None = None,
    ) -> np.ndarray:
        """Vectors for ``texts``, embedding only those not cached yet.

        Parameters
        ----------
        texts : sequence of str
        batch_size, show_progress
            Passed to the encoder for the texts it has to embed.
        progress : callable, optional
            Called as ``progress(done, total)`` after each batch of missing
            texts has been embedded and stored; ``total`` is the number of
            distinct missing texts. Not called when nothing is missing.

        Returns
        -------
        ndarray of shape (len(texts), encoder.dim), float32
            Same values the encoder would return (duplicates included).
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError(
                "texts must be a sequence of strings, got a single string; wrap it in a list"
            )
        items = list(texts)
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(f"texts must all be str; item {i} is {type(text).__name__}")
        name = self.encoder.name
        keys = [content_hash(name, text) for text in items]
        text_of = dict(zip(keys, items, strict=True))  # distinct keys, first-seen order
        found = self._lookup(list(text_of))
        dims = {vector.shape[0] for vector in found.values()}
        if len(found) == len(text_of) and len(dims) == 1:
            # Everything is cached: answer without asking the encoder, which
            # for a dense model would mean loading it just to learn its size.
            dim = dims.pop()
        else:
            dim = int(self.encoder.dim)
            for key in [key for key, vector in found.items() if vector.shape[0] != dim]:
                logger.warning("embedding cache: entry %s has a stale dimension; re-embedding", key)
                del found[key]
        missing = [key for key in text_of if key not in found]
        self.hits += len(text_of) - len(missing)
        self.misses += len(missing)

        done = 0
        for chunk in _chunks(missing, self.chunk_size):
            vectors = self.encoder.encode(
                [text_of[key] for key in chunk], batch_size=batch_size, show_progress=show_progress
            )
            vectors = np.asarray(vectors, dtype=np.float32)
            if vectors.shape != (len(chunk), dim):
                raise ValueError(
                    f"encoder {name!r} returned shape {vectors.shape} for {len(chunk)} texts, "
                    f"expected ({len(chunk)}, {dim})"
                )
            self._store(name, chunk, vectors)
            found.update(zip(chunk, vectors, strict=True))
            done += len(chunk)
            if progress is not None:
                progress(done, len(missing))
        if missing:
            logger.debug(
                "embedding cache: %d hits, %d embedded", len(text_of) - len(missing), len(missing)
            )

        out = np.empty((len(items), dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out

    def remove(self, hashes: Iterable[str]) -> int:
        """Erase the vectors stored under these keys (any encoder).

        Parameters
        ----------
        hashes : iterable of str
            Keys as returned by :meth:`key` / :func:`content_hash`. Unknown
            keys are ignored, so erasure can safely be repeated.

        Returns
        -------
        int
            Number of vectors removed.
        """
        if isinstance(hashes, str):
            raise TypeError("hashes must be an iterable of keys, got a single string")
        keys = list(dict.fromkeys(hashes))
        removed = 0
        with self._lock, self._conn:
            for chunk in _chunks(keys, _SQL_CHUNK):
                marks = ",".join("?" * len(chunk))
                cursor = self._conn.execute(
                    f"DELETE FROM embeddings WHERE key IN ({marks})", tuple(chunk)
                )
                removed += cursor.rowcount
        return removed

    def remove_texts(self, texts: Sequence[str]) -> int:
        """Erase the current encoder's vectors of these texts; returns how many were stored."""
        return self.remove(self.keys(texts))

    def prune(self) -> int:
        """Erase vectors stored under other encoder names (stale after a refit or model change)."""
        name = self.encoder.name
        with self._lock, self._conn:
            return self._conn.execute("DELETE FROM embeddings WHERE encoder != ?", (name,)).rowcount

    def purge(self) -> int:
        """Erase every vector of every encoder and compact the file.

        Returns
        -------
        int
            Number of vectors removed.
        """
        with self._lock:
            with self._conn:
                removed = self._conn.execute("DELETE FROM embeddings").rowcount
            # VACUUM rebuilds the file so no freed page keeps old content.
            self._conn.execute("VACUUM")
        return removed

    def reset_counters(self) -> None:
        """Set :attr:`hits` and :attr:`misses` back to zero."""
        self.hits = 0
        self.misses = 0
