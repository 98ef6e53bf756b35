"""Who meets whom at an event: the exact b-matching behind a table plan.

Each candidate meets ``rounds_per_candidate`` employers, an employer holds at
most ``seats × R`` meetings, and each pair meets at most once: a bipartite
b-matching. Its constraint matrix is totally unimodular, so it is solved
exactly as a min-cost flow (``method="flow"``) or as an LP whose vertex
solution is integral (``method="lp"``).

The flow also gives dual prices on employer seats; with them a Lagrangian
bound caps the utility of any plan. It is never below the LP value and equals
it at the optimum, so the exact methods report a gap of zero up to floating
point, and the greedy baseline is measured against the same bound.
"""

from __future__ import annotations

import logging

import numpy as np

from matching.events.table_plan_problem import PlanningInstance

logger = logging.getLogger(__name__)

# Largest integer cost magnitude tried for the flow solver; integer costs keep
# the flow exact while 2**40 resolution makes rounding invisible in float64.
_COST_RESOLUTION = 2.0**40


def bmatching_flow(inst: PlanningInstance) -> tuple[np.ndarray, np.ndarray]:
    """Optimal meetings as a min-cost flow; returns (chosen mask, employer prices)."""
    from ortools.graph.python import min_cost_flow

    n_c, n_e = inst.n_candidates, inst.n_employers
    c, e = np.nonzero(inst.allowed)
    w = inst.utility[c, e]
    top = float(np.abs(w).max()) if w.size else 0.0
    scale = _COST_RESOLUTION / top if top > 0 else 1.0
    sink = n_c + n_e
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_c], supplies[sink] = inst.k, -n_c * inst.k
    for _ in range(6):
        smcf = min_cost_flow.SimpleMinCostFlow()
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(
            c.astype(np.int32), (n_c + e).astype(np.int32),
            np.ones(len(c), dtype=np.int64), -np.rint(w * scale).astype(np.int64),
        )
        smcf.add_arcs_with_capacity_and_unit_cost(
            (n_c + np.arange(n_e)).astype(np.int32), np.full(n_e, sink, dtype=np.int32),
            inst.capacity.astype(np.int64), np.zeros(n_e, dtype=np.int64),
        )
        smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies.astype(np.int64))
        status = smcf.solve()
        if status != smcf.BAD_COST_RANGE:
            break
        scale /= 2.0**10  # the solver scales costs internally and can overflow int64
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    used = smcf.flows(arcs) > 0
    chosen = np.zeros(inst.allowed.shape, dtype=bool)
    chosen[c[used], e[used]] = True
    return chosen, _employer_prices(inst, chosen)


def _employer_prices(inst: PlanningInstance, chosen: np.ndarray) -> np.ndarray:
    """Dual prices of employer seats, from shortest paths in the residual graph.

    Moving a candidate from employer ``e`` to ``e'`` costs ``U[c,e] - U[c,e']``;
    with a sink node for spare seats, shortest-path distances ``d`` give
    prices ``max(0, d[sink] - d[e])`` under which every candidate's chosen
    employers are their ``k`` best, so the Lagrangian bound is tight. Any
    non-negative prices give a valid bound, so an unconverged loop is safe.
    """
    n_e, u = inst.n_employers, inst.utility
    c, e = np.nonzero(chosen)
    order = np.argsort(e, kind="stable")
    c, e = c[order], e[order]
    free = inst.allowed & ~chosen
    w = np.full((n_e + 1, n_e + 1), np.inf)
    if len(c):
        delta = np.where(free[c], u[c, e][:, None] - u[c], np.inf)
        starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]])
        w[e[starts], :n_e] = np.minimum.reduceat(delta, starts, axis=0)
    load = np.bincount(e, minlength=n_e)
    w[:n_e, n_e] = np.where(load < inst.capacity, 0.0, np.inf)
    w[n_e, :n_e] = np.where(load > 0, 0.0, np.inf)
    d = np.zeros(n_e + 1)
    for _ in range(n_e + 1):
        nxt = np.minimum(d, (d[:, None] + w).min(axis=0))
        if np.array_equal(nxt, d):
            break
        d = nxt
    result: np.ndarray = np.maximum(0.0, d[n_e] - d[:n_e])
    return result


def lagrangian_bound(inst: PlanningInstance, prices: np.ndarray) -> float:
    """Upper bound on the LP value for any prices >= 0 on employer capacity."""
    reduced = np.where(inst.allowed, inst.utility - prices, -np.inf)
    best = -np.partition(-reduced, inst.k - 1, axis=1)[:, : inst.k]
    return float(best.sum() + prices @ inst.capacity)


def bmatching_lp(inst: PlanningInstance) -> tuple[np.ndarray, float]:
    """Optimal meetings as an LP (HiGHS dual simplex); returns (chosen mask, LP value)."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n_c, n_e = inst.n_candidates, inst.n_employers
    c, e = np.nonzero(inst.allowed)
    m, cols = len(c), np.arange(len(c))
    res = linprog(
        -inst.utility[c, e],
        A_ub=sp.csr_matrix((np.ones(m), (e, cols)), shape=(n_e, m)),
        b_ub=inst.capacity,
        A_eq=sp.csr_matrix((np.ones(m), (c, cols)), shape=(n_c, m)),
        b_eq=np.full(n_c, inst.k),
        bounds=(0, 1),
        method="highs-ds",
    )
    if res.status != 0:
        raise RuntimeError(f"LP solver failed: {res.message}")
    if np.abs(res.x - np.round(res.x)).max() > 1e-6:
        # A simplex vertex of a totally unimodular system is integral; this
        # guards against solver tolerances, not against theory.
        logger.warning("LP solution not integral; taking the flow solution instead")
        return bmatching_flow(inst)[0], float(-res.fun)
    chosen = np.zeros(inst.allowed.shape, dtype=bool)
    pick = res.x > 0.5
    chosen[c[pick], e[pick]] = True
    return chosen, float(-res.fun)
