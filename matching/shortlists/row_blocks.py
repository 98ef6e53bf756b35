"""The rows of an array kept in blocks, so that a few rows written again copy their blocks.

A pool holds per-candidate arrays for every candidate: text vectors, occupational fields,
motivation scores. A large municipality's vectors are some 60 MB, and each of its
region's pools holds its own copy of the shared candidates' rows. When a profile is
edited, every one of those pools moves on with the one row replaced; copying whole
arrays for that cost some 20 ms per regional pool (mostly page faults on the fresh
memory), where copying the one block of :attr:`RowBlocks.BLOCK_ROWS` rows is free.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class RowBlocks:
    """An array's rows (along the first axis) in blocks of :attr:`BLOCK_ROWS`; read like an
    array with an index (``blocks[rows]``), written only by making a new one
    (:meth:`with_rows`), which shares every block it does not change.

    Every block is memory of its own, so a block written again frees the one it replaced
    once no older pool holds it. Blocks that were views of one array kept all of it alive
    for as long as any block was not written again: each profile edit added a copied
    block per pool on top of the whole array (in-process on the load test's region, 60
    writes with 15 profile edits: 261 MiB more before, 87 MiB after).
    """

    BLOCK_ROWS = 2048

    __slots__ = ("blocks",)

    def __init__(self, whole: np.ndarray) -> None:
        step = self.BLOCK_ROWS
        self.blocks: tuple[np.ndarray, ...] = (
            (whole,) if len(whole) <= step else tuple(whole[i : i + step].copy() for i in range(0, len(whole), step))
        )

    @classmethod
    def _of(cls, blocks: tuple[np.ndarray, ...]) -> RowBlocks:
        made = cls.__new__(cls)
        made.blocks = blocks
        return made

    def __len__(self) -> int:
        return sum(len(b) for b in self.blocks)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self.blocks[0].shape[1:])

    @property
    def dtype(self) -> np.dtype:
        return self.blocks[0].dtype

    @property
    def whole(self) -> np.ndarray:
        """Every row as one array (a copy when there is more than one block)."""
        return self.blocks[0] if len(self.blocks) == 1 else np.concatenate(self.blocks)

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        """The rows ``idx`` (integer indices or a boolean mask) as one array."""
        return self.rows(_indices(idx))

    def dot(self, query: np.ndarray) -> np.ndarray:
        """Every row times ``query``."""
        if len(self.blocks) == 1:
            product: np.ndarray = self.blocks[0] @ query
            return product
        return np.concatenate([block @ query for block in self.blocks])

    def rows(self, idx: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The rows ``idx`` as one array (into ``out`` when given)."""
        idx = np.asarray(idx, dtype=np.intp)
        if out is None:
            out = np.empty((len(idx), *self.blocks[0].shape[1:]), dtype=self.dtype)
        if len(self.blocks) == 1:
            return np.take(self.blocks[0], idx, axis=0, out=out)
        block, at = np.divmod(idx, self.BLOCK_ROWS)
        if np.all(block[1:] >= block[:-1]):  # in block order (a pool's rows): each block at once
            bounds = np.flatnonzero(np.diff(block)) + 1
            for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(idx)], strict=True):
                if hi > lo:
                    np.take(self.blocks[block[lo]], at[lo:hi], axis=0, out=out[lo:hi])
        else:
            for b in np.unique(block):
                these = np.flatnonzero(block == b)
                out[these] = self.blocks[b][at[these]]
        return out

    def take(self, rows: np.ndarray) -> RowBlocks:
        """The rows ``rows`` (indices or a boolean mask), as blocks of their own."""
        return RowBlocks.gather([(self, _indices(rows))])

    def with_rows(self, rows: np.ndarray, values: np.ndarray) -> RowBlocks:
        """The same rows with ``rows`` replaced by ``values``' rows; only the blocks they fall
        in are copied."""
        blocks = list(self.blocks)
        block, at = np.divmod(np.asarray(rows, dtype=np.intp), self.BLOCK_ROWS)
        for b in np.unique(block):
            these = np.flatnonzero(block == b)
            blocks[b] = blocks[b].copy()
            blocks[b][at[these]] = values[these]
        return RowBlocks._of(tuple(blocks))

    @classmethod
    def concat(cls, parts: Sequence[RowBlocks]) -> RowBlocks:
        """The rows of several, in order."""
        return cls.gather([(p, np.arange(len(p))) for p in parts])

    @classmethod
    def gather(cls, parts: Sequence[tuple[RowBlocks, np.ndarray]]) -> RowBlocks:
        """``concat`` of each part's ``take(rows)``, each row copied once, straight into the
        block it falls in (a region's vectors are some 100 MB: every copy more is tens of
        milliseconds)."""
        first = parts[0][0]
        n, step = sum(len(rows) for _, rows in parts), cls.BLOCK_ROWS
        blocks = tuple(
            np.empty((min(step, n - i), *first.shape[1:]), dtype=first.dtype) for i in range(0, max(n, 1), step)
        )
        at = 0
        for source, rows in parts:
            done = 0
            while done < len(rows):
                b, offset = divmod(at, step)
                room = min(len(rows) - done, len(blocks[b]) - offset)
                source.rows(rows[done : done + room], out=blocks[b][offset : offset + room])
                done, at = done + room, at + room
        return cls._of(blocks)


def _indices(idx: np.ndarray) -> np.ndarray:
    """Integer row indices of ``idx`` (integer indices or a boolean mask)."""
    idx = np.asarray(idx)
    return np.flatnonzero(idx) if idx.dtype == bool else idx
