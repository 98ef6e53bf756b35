"""Seeded random streams: one independent generator per simulator component.

Each component gets ``default_rng(SeedSequence(seed, spawn_key=(index,)))`` with a fixed
index, so adding draws to one component never shifts the draws of another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")

#: Components in a fixed order; the position is the spawn key. Append only.
COMPONENTS: tuple[str, ...] = (
    "families",
    "geography",
    "employers",
    "work_needs",
    "candidates",
    "candidate_texts",
    "work_texts",
    "hidden",
    "comparison",
    "history",
    "aftercare",
    "base_outflow",
    "caseload",
    "employer_names",
    "candidate_records",
    "person_names",
    "contact_names",
    "region_consent",
)


def component_rng(seed: int, component: str) -> np.random.Generator:
    """The generator of one named component."""
    try:
        index = COMPONENTS.index(component)
    except ValueError:
        raise ValueError(
            f"unknown random component {component!r}; expected one of {', '.join(COMPONENTS)}"
        ) from None
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def quota_draw(rng: np.random.Generator, n: int, shares: np.ndarray) -> np.ndarray:
    """``n`` category indices in random order whose counts match ``shares`` as closely as
    whole numbers allow (largest remainder; ties broken at random).

    Used for the marginals reported in the evaluations, so they hold at any size instead
    of only up to sampling noise.
    """
    p = np.asarray(shares, dtype=float)
    p = p / p.sum()
    exact = p * n
    counts = np.floor(exact).astype(int)
    short = n - int(counts.sum())
    if short:
        remainder = exact - counts + rng.random(p.size) * 1e-9
        counts[np.argsort(-remainder, kind="stable")[:short]] += 1
    labels = np.repeat(np.arange(p.size), counts)
    return rng.permutation(labels)


class TextRandom:
    """Fast scalar choices for text assembly, fed by batches of numpy uniforms.

    Calling a numpy generator once per word is slow; this draws uniforms in blocks
    and hands them out one by one, so the output depends only on the generator.
    """

    def __init__(self, rng: np.random.Generator, block: int = 65536) -> None:
        self._rng = rng
        self._block = block
        self._buffer = rng.random(block)
        self._pos = 0

    def random(self) -> float:
        if self._pos >= self._block:
            self._buffer = self._rng.random(self._block)
            self._pos = 0
        value = float(self._buffer[self._pos])
        self._pos += 1
        return value

    def chance(self, p: float) -> bool:
        return self.random() < p

    def randint(self, low: int, high: int) -> int:
        """Integer in ``[low, high]`` (both included)."""
        return low + min(int(self.random() * (high - low + 1)), high - low)

    def choice(self, items: Sequence[T]) -> T:
        return items[min(int(self.random() * len(items)), len(items) - 1)]

    def weighted(self, items: Sequence[T], weights: Sequence[float]) -> T:
        total = float(sum(weights))
        target = self.random() * total
        acc = 0.0
        for item, weight in zip(items, weights, strict=False):
            acc += weight
            if target < acc:
                return item
        return items[-1]

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """``k`` distinct items in random order (fewer if there are fewer items)."""
        pool = list(items)
        out: list[T] = []
        for _ in range(min(k, len(pool))):
            out.append(pool.pop(min(int(self.random() * len(pool)), len(pool) - 1)))
        return out

    def shuffled(self, items: Sequence[T]) -> list[T]:
        return self.sample(items, len(items))
