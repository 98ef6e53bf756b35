"""Exposure-aware re-ranking: keep each protected group's share of the top of a list in bounds.

A policy choice, off unless a municipality turns it on. Protected attributes
never enter the scoring; they are used only here, after it.

Method: deterministic constrained greedy re-ranking in the spirit of
Geyik, Ambler and Kenthapadi (2019, "DetGreedy"), with one change for short
lists. For a list of ``k`` and a group ``g`` that makes up ``p_g`` of the
eligible pool, every prefix of length ``i`` must hold at least
``floor(low * p_g * i + u_g)`` and at most ``ceil(high * p_g * i - u_g)``
members of ``g``, where ``u_g`` in [0, 1) is drawn once per list from a
seed (the work need's id). With ``u_g = 0`` these are DetGreedy's bounds;
a group of 10 % never gets a seat in a top 10 from them (floor(0.8) = 0).
The random offset makes the minimum right *on average over lists* while
each list stays reproducible: the same work need gives the same list.

At each position the best-scoring candidate is taken, unless a group is
below its minimum (then the best-scoring member of the group furthest below
it) or the candidate would push a group above its maximum (then the next
best who does not). Lists are re-ranked only within their top ``k``; the
rest keeps the model's order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matching.records.enums import AgeBand, Gender
from matching.records.schemas import Candidate

__all__ = ["GROUPS", "ExposurePolicy", "Reranked", "exposure_weights", "protected_groups", "rerank"]

#: The protected groups the policy keeps in bounds (Dutch names for people).
GROUPS: dict[str, str] = {
    "age_55_plus": "55 jaar en ouder",
    "women": "vrouwen",
    "statushouder": "statushouders",
    "banenafspraak": "banenafspraak",
    "benefit_3y_plus": "3 jaar of langer in de uitkering",
}


@dataclass(frozen=True)
class ExposurePolicy:
    """Bounds on each group's share of a list's top, relative to its share of the pool."""

    low: float = 0.8
    high: float = 1.25

    def __post_init__(self) -> None:
        if not 0.0 <= self.low <= 1.0 <= self.high:
            raise ValueError(f"bounds must satisfy 0 <= low <= 1 <= high, got {self.low}, {self.high}")


@dataclass(frozen=True)
class Reranked:
    """The new order (indices into the scored rows) and what the constraint moved."""

    order: np.ndarray
    moved: int  # rows in the top k that the model's order would not have put there


def protected_groups(candidates: Sequence[Candidate]) -> dict[str, np.ndarray]:
    """Who belongs to which of :data:`GROUPS` (measured only; no model sees it)."""
    return {
        "age_55_plus": np.array([c.age_band is AgeBand.A55_67 for c in candidates], dtype=bool),
        "women": np.array([c.gender is Gender.WOMAN for c in candidates], dtype=bool),
        "statushouder": np.array([c.statushouder for c in candidates], dtype=bool),
        "banenafspraak": np.array([c.banenafspraak for c in candidates], dtype=bool),
        "benefit_3y_plus": np.array([c.benefit_months >= 36 for c in candidates], dtype=bool),
    }


def exposure_weights(k: int) -> np.ndarray:
    """Position weights ``1 / log2(i + 1)`` (as in DCG): how much attention place ``i`` gets."""
    return 1.0 / np.log2(np.arange(2, k + 2))


def _offsets(seed: str, n: int) -> np.ndarray:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big")).random(n)


def rerank(
    scores: np.ndarray,
    members: Mapping[str, np.ndarray],
    k: int,
    policy: ExposurePolicy,
    *,
    seed: str,
    pinned: Sequence[int] = (),
) -> Reranked:
    """The re-ranked order of ``scores`` (higher is better) for a list of ``k``.

    Parameters
    ----------
    members
        Per group, a boolean array over the same rows: who belongs to it.
        Its share of the rows is the group's share of the pool.
    pinned
        Rows a relationship manager pinned: they keep the first places and
        count towards their groups.
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.size
    model_order = np.lexsort((np.arange(n), -scores))
    k = min(k, n)
    if k == 0 or not members:
        return Reranked(model_order, 0)
    names = sorted(members)
    matrix = np.stack([np.asarray(members[g], dtype=bool) for g in names], axis=1)  # n x groups
    share = matrix.mean(axis=0)
    offsets = _offsets(seed, len(names))
    placed: list[int] = []
    taken = np.zeros(n, dtype=bool)
    counts = np.zeros(len(names))
    for row in pinned:
        if len(placed) < k and not taken[row]:
            placed.append(row)
            taken[row] = True
            counts += matrix[row]
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[model_order] = np.arange(n)
    while len(placed) < k:
        i = len(placed) + 1
        minimum = np.floor(policy.low * share * i + offsets)
        maximum = np.ceil(policy.high * share * i - offsets)
        free = model_order[~taken[model_order]]
        if free.size == 0:
            break
        fits = ~(matrix[free] & (counts + 1 > maximum)).any(axis=1)
        short = minimum - counts
        choice = -1
        if (short > 0).any():
            g = int(np.argmax(short))
            needed = free[matrix[free, g] & fits]
            if needed.size == 0:
                needed = free[matrix[free, g]]
            if needed.size:
                choice = int(needed[0])
        if choice < 0:
            allowed = free[fits]
            choice = int(allowed[0] if allowed.size else free[0])
        placed.append(choice)
        taken[choice] = True
        counts += matrix[choice]
    head = np.array(placed, dtype=np.int64)
    rest = model_order[~taken[model_order]]
    moved = int(sum(rank_of[r] >= k for r in head))
    return Reranked(np.concatenate([head, rest]), moved)
