"""Both sides' interest in a table conversation, from the engine's pair scores.

See the *Utility* section of :mod:`matching.events.event_planning` for the
formula; :data:`matching.events.event_plan.UTILITY_FORMULA` states it in the plan.
"""

from __future__ import annotations

import numpy as np

from matching.shortlists.shortlist import PairMatrix

__all__ = ["EPSILON", "utility_matrix"]

EPSILON = 0.01


def utility_matrix(
    matrix: PairMatrix,
    need_employer: np.ndarray,
    n_employers: int,
    need_blocked: np.ndarray,
    *,
    employer_weight: float = 0.5,
) -> dict[str, np.ndarray]:
    """Both sides' scores per candidate × employer, from a candidate × work-need matrix.

    Parameters
    ----------
    matrix
        Scores of every candidate against every open work need of the employers.
    need_employer : int array of shape (n_work_needs,)
        Employer index of each work need.
    n_employers : int
    need_blocked : bool array of shape (n_candidates, n_work_needs)
        True where the candidate's limits clash with the work's fixed demands.
    employer_weight : float
        Weight of the employer side (see the module docstring).

    Returns
    -------
    dict of arrays of shape (n_candidates, n_employers)
        ``utility``, ``employer_chance``, ``interest``, ``blocked`` (no
        permitted work need) and ``best_need`` (work-need column with the
        highest pair utility, -1 when blocked).
    """
    sim = np.clip(np.asarray(matrix.similarity, dtype=float), 0.0, 1.0)
    p_need = (
        np.clip(matrix.probability, 0.0, 1.0) if matrix.probability is not None
        else sim
    )
    q_need = 1.0 - (1.0 - sim) * (1.0 - np.clip(matrix.occupation_level, 0, 5) / 5.0)
    u_need = _combine(p_need, q_need, employer_weight)
    nc = p_need.shape[0]
    shape = (nc, n_employers)
    best = np.full(shape, -1, dtype=np.int64)
    blocked = np.ones(shape, dtype=bool)
    rows = np.arange(nc)
    for e in range(n_employers):
        cols = np.flatnonzero(need_employer == e)
        if cols.size == 0:
            continue
        ok = ~need_blocked[:, cols]
        blocked[:, e] = ~ok.any(axis=1)
        pick = np.where(ok, u_need[:, cols], -np.inf).argmax(axis=1)
        best[:, e] = np.where(blocked[:, e], -1, cols[pick])
    # Both sides are read at the one work need the conversation is about: the chance
    # shown is then the chance of that need, not the best of several needs' chances.
    if p_need.shape[1] == 0:  # no open work at all: every pair is blocked
        p = q = u = np.zeros(shape)
    else:
        at = np.maximum(best, 0)
        p = np.where(blocked, 0.0, p_need[rows[:, None], at])
        q = np.where(blocked, 0.0, q_need[rows[:, None], at])
        u = np.where(blocked, 0.0, u_need[rows[:, None], at])
    return {"utility": u, "employer_chance": p, "interest": q, "blocked": blocked,
            "best_need": best}


def _combine(p: np.ndarray, q: np.ndarray, a: float) -> np.ndarray:
    """Weighted geometric mean of both sides, floored at EPSILON."""
    result: np.ndarray = np.maximum(p, EPSILON) ** a * np.maximum(q, EPSILON) ** (1.0 - a)
    return result
