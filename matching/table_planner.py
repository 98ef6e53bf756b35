"""Table plan for a *prettig gesprek*: who sits at which table in which round.

Arrays in, dataclasses out. The caller gives a utility matrix ``U`` of shape
``(n_candidates, n_employers)`` (for example the calibrated chance of a good
outcome), a list of tables ``(table_id, employer_index, seats)`` and the number
of rounds ``R``. Every candidate gets exactly ``rounds_per_candidate`` seats
(default ``R``), at most one per round, never twice with the same employer,
and no table holds more than its seats in any round. Total utility is
maximised.

Why the problem is easy
-----------------------
Utility depends on the employer, not on the round or the table, so the plan
splits into two exact steps:

1. *Who meets whom* is a bipartite b-matching: candidate degree
   ``rounds_per_candidate``, employer capacity ``seats × R``, each pair at most
   once. Its constraint matrix is totally unimodular, so it is solved exactly
   as a min-cost flow (``method="flow"``) or as an LP whose vertex solution is
   integral (``method="lp"``).
2. *When* is a bipartite edge colouring. Split each employer into seat slots
   that each carry at most ``R`` meetings; every vertex then has degree at most
   ``R``, and by König's edge-colouring theorem the meetings fit in ``R``
   rounds. We pad the graph to be ``R``-regular and peel off one perfect
   matching per round.

Any full plan yields a feasible b-matching with the same utility, and every
b-matching can be scheduled, so step 1's optimum is the plan's optimum and
the LP relaxation of the full time-indexed model has the same value: for the
exact methods the reported gap is zero up to floating point. ``method="milp"``
solves the full time-indexed integer model directly; it exists as an
independent reference for small instances and as the place to add side
constraints that break the decomposition. No heuristic is needed for large
events: 50 employers × 2,000 candidates × 5 rounds plans in well under a
second.

Seats and candidates
--------------------
More seats than needed is fine; seats stay empty and employers' tables are
filled evenly over the rounds. Fewer seats than ``n_candidates ×
rounds_per_candidate`` is a :class:`PlanningError` rather than a silent partial
plan: the organiser chooses between lowering ``rounds_per_candidate`` (each
candidate then sits out some rounds), inviting fewer candidates or adding
seats, and the error says which values would work.

Errors
------
Malformed arrays (wrong shape, NaN, employer index out of range, duplicate
table ids) raise ``ValueError``. Requests the organiser can fix (rounds < 1,
a table without seats, too few seats, a candidate vetoed by too many
employers) raise :class:`PlanningError`, whose ``suggestion`` says what to
relax and whose ``ids`` name the candidates or tables involved.

Rounds are numbered from 0 here; stored meetings number them from 1.
"""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

logger = logging.getLogger(__name__)

Method = Literal["auto", "flow", "lp", "milp"]

# Largest integer cost magnitude tried for the flow solver; integer costs keep
# the flow exact while 2**40 resolution makes rounding invisible in float64.
_COST_RESOLUTION = 2.0**40


class PlanningError(ValueError):
    """The organiser's request cannot be met as asked.

    Parameters
    ----------
    message : str
        What is impossible, with the numbers involved.
    suggestion : str
        What the organiser can relax to get a plan.
    ids : sequence, optional
        The candidates, employers or tables the message is about.
    """

    def __init__(self, message: str, *, suggestion: str, ids: Sequence[Hashable] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.ids = tuple(ids)

    def __str__(self) -> str:
        return f"{self.message.rstrip('.')}. Suggestion: {self.suggestion}"


@dataclass(frozen=True, slots=True)
class Table:
    """One table at an event, hosted by one employer."""

    table_id: Hashable
    employer_index: int
    seats: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """One candidate at one table in one round (rounds count from 0)."""

    round: int
    table_id: Hashable
    employer_index: int
    candidate_index: int
    utility: float


@dataclass(frozen=True)
class TablePlan:
    """A table plan and how good it is.

    Attributes
    ----------
    assignments : list of Assignment
        Sorted by round, then table order, then candidate.
    objective : float
        Total utility of the assignments.
    lp_bound : float
        Upper bound on any plan's utility from the LP relaxation (for
        ``"flow"`` and ``"greedy"`` a dual-feasible Lagrangian bound, which is
        never below the LP value and equals it at the optimum).
    gap : float
        ``(lp_bound - objective) / |lp_bound|``, clipped at 0.
    method : str
        ``"flow"``, ``"lp"``, ``"milp"`` or ``"greedy"``.
    solve_seconds : float
        Wall time of the whole call, validation included.
    n_candidates, n_employers, rounds, rounds_per_candidate : int
        The problem's size, as given.
    tables : tuple of Table
        The tables, in the order given.
    """

    assignments: list[Assignment]
    objective: float
    lp_bound: float
    gap: float
    method: str
    solve_seconds: float
    n_candidates: int
    n_employers: int
    rounds: int
    rounds_per_candidate: int
    tables: tuple[Table, ...]

    def by_round(self) -> list[list[Assignment]]:
        """Assignments grouped per round."""
        out: list[list[Assignment]] = [[] for _ in range(self.rounds)]
        for a in self.assignments:
            out[a.round].append(a)
        return out

    def by_table(self) -> dict[Hashable, list[list[int]]]:
        """Per table, per round, the candidate indices seated there."""
        out = {t.table_id: [[] for _ in range(self.rounds)] for t in self.tables}
        for a in self.assignments:
            out[a.table_id][a.round].append(a.candidate_index)
        return out

    def by_candidate(self) -> list[list[Assignment]]:
        """Per candidate, their assignments in round order."""
        out: list[list[Assignment]] = [[] for _ in range(self.n_candidates)]
        for a in sorted(self.assignments, key=lambda a: a.round):
            out[a.candidate_index].append(a)
        return out

    def seats_per_candidate(self) -> np.ndarray:
        """Number of seats each candidate got."""
        idx = np.fromiter((a.candidate_index for a in self.assignments), dtype=np.int64)
        return np.bincount(idx, minlength=self.n_candidates)

    def meeting_matrix(self) -> np.ndarray:
        """Boolean ``(n_candidates, n_employers)``: who meets whom."""
        m = np.zeros((self.n_candidates, self.n_employers), dtype=bool)
        for a in self.assignments:
            m[a.candidate_index, a.employer_index] = True
        return m

    @property
    def complete(self) -> bool:
        """Whether every candidate got ``rounds_per_candidate`` seats."""
        return bool(np.all(self.seats_per_candidate() == self.rounds_per_candidate))

    def summary(self) -> dict[str, float]:
        """Headline figures, ``objective`` first."""
        seats = sum(t.seats for t in self.tables) * self.rounds
        return {
            "objective": self.objective,
            "lp_bound": self.lp_bound,
            "gap": self.gap,
            "solve_seconds": self.solve_seconds,
            "n_assignments": float(len(self.assignments)),
            "seat_fill": len(self.assignments) / seats if seats else 0.0,
        }


@dataclass(frozen=True)
class _Instance:
    """Validated problem; ``allowed`` already excludes employers without tables."""

    utility: np.ndarray  # float, 0 where not allowed so sums stay finite
    allowed: np.ndarray
    tables: tuple[Table, ...]
    employer_seats: np.ndarray  # seats per round, per employer
    rounds: int
    k: int
    candidate_ids: Sequence[Hashable] | None

    @property
    def n_candidates(self) -> int:
        return self.utility.shape[0]

    @property
    def n_employers(self) -> int:
        return self.utility.shape[1]

    @property
    def capacity(self) -> np.ndarray:
        return self.employer_seats * self.rounds

    def name(self, c: int) -> Hashable:
        return self.candidate_ids[c] if self.candidate_ids is not None else c


def plan_tables(
    utility: np.ndarray,
    tables: Sequence[Table | tuple[Hashable, int, int]],
    rounds: int,
    *,
    rounds_per_candidate: int | None = None,
    veto: np.ndarray | None = None,
    method: Method = "auto",
    candidate_ids: Sequence[Hashable] | None = None,
    time_limit: float | None = None,
) -> TablePlan:
    """Plan the tables of an event so that total utility is maximal.

    Parameters
    ----------
    utility : array of shape (n_candidates, n_employers)
        Value of candidate ``i`` meeting employer ``j``. ``-inf`` is a veto.
    tables : sequence of Table or (table_id, employer_index, seats)
        The tables; an employer may host several. Employers without a table
        are not available.
    rounds : int
        Number of rounds, at least 1.
    rounds_per_candidate : int, optional
        Seats each candidate gets, exactly; default ``rounds``.
    veto : bool array of shape (n_candidates, n_employers), optional
        ``True`` where the pair must never meet (either side said no).
    method : {"auto", "flow", "lp", "milp"}
        ``"auto"`` is ``"flow"``. ``"milp"`` is for small instances.
    candidate_ids : sequence, optional
        Names used in error messages; defaults to indices.
    time_limit : float, optional
        Seconds allowed for ``"milp"``; a plan found by then is returned with
        its gap.

    Returns
    -------
    TablePlan

    Raises
    ------
    PlanningError
        If no plan meets the request; the ``suggestion`` says what to relax.
    ValueError
        If the arrays are malformed.

    Examples
    --------
    >>> U = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    >>> plan = plan_tables(U, [("A", 0, 2), ("B", 1, 2)], rounds=2)
    >>> round(plan.objective, 2), plan.gap
    (3.0, 0.0)
    """
    start = time.perf_counter()
    if method not in ("auto", "flow", "lp", "milp"):
        raise ValueError(f"method must be one of auto, flow, lp, milp; got {method!r}")
    inst = _prepare(utility, tables, rounds, rounds_per_candidate, veto, candidate_ids)
    _check_feasible(inst)
    used = "flow" if method == "auto" else method
    if inst.n_candidates == 0:
        return _make_plan(inst, *(np.zeros(0, dtype=np.int64),) * 3, 0.0, used, start)
    if used == "milp":
        cand, table, rnd, bound = _solve_time_indexed(inst, time_limit)
        return _make_plan(inst, cand, table, rnd, bound, "milp", start)
    if used == "lp":
        chosen, bound = _bmatching_lp(inst)
    else:
        chosen, prices = _bmatching_flow(inst)
        bound = _lagrangian_bound(inst, prices)
    cand, emp = np.nonzero(chosen)
    rnd = _schedule_rounds(cand, emp, inst.n_candidates, inst.employer_seats, inst.rounds)
    table = _seat_at_tables(inst, cand, emp, rnd)
    return _make_plan(inst, cand, table, rnd, bound, used, start)


def greedy_plan(
    utility: np.ndarray,
    tables: Sequence[Table | tuple[Hashable, int, int]],
    rounds: int,
    *,
    rounds_per_candidate: int | None = None,
    veto: np.ndarray | None = None,
    order: Sequence[int] | None = None,
    candidate_ids: Sequence[Hashable] | None = None,
    compute_bound: bool = True,
) -> TablePlan:
    """Baseline plan: round by round, each candidate takes the best free seat.

    In each round the candidates, in ``order`` (default: index order), pick the
    employer with the highest utility that they have not met, did not veto and
    that still has a free seat, at that employer's emptiest table. A candidate
    stops once they have ``rounds_per_candidate`` seats. The plan may leave
    candidates short (``plan.complete`` is then ``False``) even when
    :func:`plan_tables` finds a full plan.

    Parameters are as for :func:`plan_tables`; ``compute_bound=False`` skips
    the LP bound (``lp_bound`` and ``gap`` are then NaN).

    Returns
    -------
    TablePlan
        With ``method="greedy"``.
    """
    start = time.perf_counter()
    inst = _prepare(utility, tables, rounds, rounds_per_candidate, veto, candidate_ids)
    _check_feasible(inst)
    n_c = inst.n_candidates
    value = np.where(inst.allowed, inst.utility, -np.inf)
    closed = ~inst.allowed  # vetoed, or already met
    seated = np.zeros(n_c, dtype=np.int64)
    tab_emp = np.array([t.employer_index for t in inst.tables])
    tab_seats = np.array([t.seats for t in inst.tables])
    tables_of = [np.flatnonzero(tab_emp == e) for e in range(inst.n_employers)]
    seq = range(n_c) if order is None else [int(c) for c in order]
    if sorted(seq) != list(range(n_c)):
        raise ValueError(f"order must be a permutation of the {n_c} candidate indices")
    rows: list[tuple[int, int, int]] = []
    for r in range(inst.rounds):
        free = tab_seats.copy()
        emp_free = inst.employer_seats.copy()
        for c in seq:
            if seated[c] >= inst.k:
                continue
            score = np.where(closed[c] | (emp_free <= 0), -np.inf, value[c])
            e = int(np.argmax(score))
            if score[e] == -np.inf:
                continue
            t = int(tables_of[e][np.argmax(free[tables_of[e]])])
            free[t] -= 1
            emp_free[e] -= 1
            closed[c, e] = True
            seated[c] += 1
            rows.append((c, t, r))
    cand, table, rnd = np.array(rows, dtype=np.int64).reshape(-1, 3).T
    if n_c == 0:
        bound = 0.0
    elif compute_bound:
        bound = _lagrangian_bound(inst, _bmatching_flow(inst)[1])
    else:
        bound = float("nan")
    return _make_plan(inst, cand, table, rnd, bound, "greedy", start)


# --------------------------------------------------------------------------- validation


def _fmt(names: Sequence[Hashable], limit: int = 5) -> str:
    """Join names for a message, eliding long lists."""
    shown = ", ".join(repr(n) if isinstance(n, str) else str(n) for n in list(names)[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _prepare(
    utility: np.ndarray,
    tables: Sequence[Table | tuple[Hashable, int, int]],
    rounds: int,
    rounds_per_candidate: int | None,
    veto: np.ndarray | None,
    candidate_ids: Sequence[Hashable] | None,
) -> _Instance:
    """Validate the input and build an instance; raises before any work is done."""
    u = np.asarray(utility, dtype=float)
    if u.ndim != 2:
        raise ValueError(f"utility must be 2-D (n_candidates, n_employers), got shape {u.shape}")
    n_c, n_e = u.shape
    vetoed = u == -np.inf
    if veto is not None:
        v = np.asarray(veto)
        if v.shape != u.shape or v.dtype != bool:
            raise ValueError(
                f"veto must be a bool array of shape {u.shape}, got {v.dtype} {v.shape}"
            )
        vetoed = vetoed | v
    bad = ~vetoed & ~np.isfinite(u)
    if bad.any():
        c, e = np.argwhere(bad)[0]
        raise ValueError(
            f"utility must be finite or -inf (veto); got {u[c, e]} at candidate {c}, employer {e}"
        )
    if candidate_ids is not None and len(candidate_ids) != n_c:
        raise ValueError(f"candidate_ids has {len(candidate_ids)} entries for {n_c} candidates")

    rounds = operator.index(rounds)
    if rounds < 1:
        raise PlanningError(
            f"rounds must be >= 1, got {rounds}", suggestion="Plan at least one round."
        )
    k = rounds if rounds_per_candidate is None else operator.index(rounds_per_candidate)
    if k < 1:
        raise PlanningError(
            f"rounds_per_candidate must be >= 1, got {k}",
            suggestion="Give every invited candidate at least one seat, or do not invite them.",
        )
    if k > rounds:
        raise PlanningError(
            f"rounds_per_candidate={k} exceeds rounds={rounds}: "
            "a candidate sits at one table per round.",
            suggestion=f"Set rounds_per_candidate to at most {rounds}, or add rounds.",
        )

    tabs = tuple(t if isinstance(t, Table) else Table(*t) for t in tables)
    if not tabs:
        raise PlanningError("the event has no tables", suggestion="Add at least one table.")
    ids = [t.table_id for t in tabs]
    dupes = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    if dupes:
        raise ValueError(f"table ids must be unique; repeated: {_fmt(dupes)}")
    for t in tabs:
        if not 0 <= int(t.employer_index) < n_e:
            raise ValueError(
                f"table {t.table_id!r} has employer index {t.employer_index}, "
                f"but utility has {n_e} employers"
            )
    empty = [t for t in tabs if int(t.seats) < 1]
    if empty:
        raise PlanningError(
            "; ".join(
                f"table {t.table_id!r} (employer {t.employer_index}) has {t.seats} seats"
                for t in empty
            )
            + "; every table needs at least one seat",
            suggestion=f"Give table(s) {_fmt([t.table_id for t in empty])} at least one seat, "
            "or remove them.",
            ids=[t.table_id for t in empty],
        )
    tabs = tuple(Table(t.table_id, int(t.employer_index), int(t.seats)) for t in tabs)
    employer_seats = np.bincount(
        [t.employer_index for t in tabs], weights=[t.seats for t in tabs], minlength=n_e
    ).astype(np.int64)
    allowed = ~vetoed & (employer_seats > 0)[None, :]
    return _Instance(
        utility=np.where(allowed, u, 0.0),
        allowed=allowed,
        tables=tabs,
        employer_seats=employer_seats,
        rounds=rounds,
        k=k,
        candidate_ids=candidate_ids,
    )


def _max_flow(inst: _Instance, k: int) -> tuple[int, np.ndarray]:
    """Most seats assignable with ``k`` per candidate, and the source side of a min cut."""
    from ortools.graph.python import max_flow

    n_c, n_e = inst.n_candidates, inst.n_employers
    c, e = np.nonzero(inst.allowed)
    s, t = n_c + n_e, n_c + n_e + 1
    tails = np.concatenate([np.full(n_c, s), c, n_c + np.arange(n_e)])
    heads = np.concatenate([np.arange(n_c), n_c + e, np.full(n_e, t)])
    caps = np.concatenate([np.full(n_c, k), np.ones(len(c), dtype=np.int64), inst.capacity])
    smf = max_flow.SimpleMaxFlow()
    smf.add_arcs_with_capacity(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64)
    )
    if smf.solve(s, t) != smf.OPTIMAL:
        raise RuntimeError("max-flow feasibility check failed")
    return smf.optimal_flow(), np.asarray(smf.get_source_side_min_cut(), dtype=np.int64)


def _largest_feasible_k(inst: _Instance) -> int:
    """Largest rounds_per_candidate below the requested one that has a plan (0 if none)."""
    for k in range(inst.k - 1, 0, -1):
        if (inst.allowed.sum(axis=1) >= k).all() and _max_flow(inst, k)[0] == inst.n_candidates * k:
            return k
    return 0


def _relax_hint(inst: _Instance) -> str:
    best = _largest_feasible_k(inst)
    if best:
        return f"rounds_per_candidate={best} would work with these candidates and tables"
    return "no lower rounds_per_candidate works without changing candidates or tables"


def _check_feasible(inst: _Instance) -> None:
    """Raise PlanningError, naming who and what to relax, if no plan exists."""
    n_c, k, n_allowed = inst.n_candidates, inst.k, inst.allowed.sum(axis=1)
    if n_c == 0:
        return
    nowhere = np.flatnonzero(n_allowed == 0)
    if nowhere.size:
        names = [inst.name(c) for c in nowhere]
        raise PlanningError(
            f"candidate(s) {_fmt(names)} cannot meet any employer at this event: "
            "every employer with a table is vetoed for them",
            suggestion="Do not invite them, lift a veto, "
            "or add a table for an employer they may meet.",
            ids=names,
        )
    few = np.flatnonzero(n_allowed < k)
    if few.size:
        c, names = few[0], [inst.name(c) for c in few]
        more = f" ({len(few) - 1} more candidates have too few)" if len(few) > 1 else ""
        raise PlanningError(
            f"candidate {_fmt([names[0]])} has only {n_allowed[c]} employers without veto "
            f"but {k} rounds were asked{more}",
            suggestion=f"Lift vetoes for {_fmt(names)}, do not invite them, or lower "
            f"rounds_per_candidate; {_relax_hint(inst)}.",
            ids=names,
        )
    per_round = int(inst.employer_seats.sum())
    total, need = per_round * inst.rounds, n_c * k
    if need > total:
        extra = -(-(need - total) // inst.rounds)
        raise PlanningError(
            f"{n_c} candidates × {k} rounds need {need} seats, but the tables offer "
            f"{per_round} seats × {inst.rounds} rounds = {total}",
            suggestion=f"Invite at most {total // k} candidates, add {extra} seat(s) per round, "
            f"or lower rounds_per_candidate; {_relax_hint(inst)}.",
        )
    flow, side = _max_flow(inst, k)
    if flow < need:
        stuck = side[side < n_c]
        full = side[(side >= n_c) & (side < n_c + inst.n_employers)] - n_c
        names, short = [inst.name(c) for c in stuck], need - flow
        raise PlanningError(
            f"{len(stuck)} candidates ({_fmt(names)}) need {len(stuck) * k} seats, but the "
            f"employers they may meet can seat them only {len(stuck) * k - short} times",
            suggestion=f"Add seats at employer(s) {_fmt(full.tolist())}, lift vetoes for these "
            f"candidates, or lower rounds_per_candidate; {_relax_hint(inst)}.",
            ids=names,
        )


# --------------------------------------------------------------------------- step 1: who meets whom


def _bmatching_flow(inst: _Instance) -> tuple[np.ndarray, np.ndarray]:
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


def _employer_prices(inst: _Instance, chosen: np.ndarray) -> np.ndarray:
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
    return np.maximum(0.0, d[n_e] - d[:n_e])


def _lagrangian_bound(inst: _Instance, prices: np.ndarray) -> float:
    """Upper bound on the LP value for any prices >= 0 on employer capacity."""
    reduced = np.where(inst.allowed, inst.utility - prices, -np.inf)
    best = -np.partition(-reduced, inst.k - 1, axis=1)[:, : inst.k]
    return float(best.sum() + prices @ inst.capacity)


def _bmatching_lp(inst: _Instance) -> tuple[np.ndarray, float]:
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
        return _bmatching_flow(inst)[0], float(-res.fun)
    chosen = np.zeros(inst.allowed.shape, dtype=bool)
    pick = res.x > 0.5
    chosen[c[pick], e[pick]] = True
    return chosen, float(-res.fun)


def _solve_time_indexed(
    inst: _Instance, time_limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Full integer model x[candidate, table, round] with HiGHS; small instances only."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_c, n_e, R = inst.n_candidates, inst.n_employers, inst.rounds
    tab_emp = np.array([t.employer_index for t in inst.tables])
    tab_seats = np.array([t.seats for t in inst.tables])
    n_t = len(tab_emp)
    pc, pt = np.nonzero(inst.allowed[:, tab_emp])
    vc, vt, vr = np.repeat(pc, R), np.repeat(pt, R), np.tile(np.arange(R), len(pc))
    ve, n = tab_emp[vt], len(pc) * R
    blocks = [  # (row of each variable, lower, upper) per constraint family
        (vt * R + vr, np.full(n_t * R, -np.inf), np.repeat(tab_seats, R)),  # seats per table-round
        (vc * R + vr, np.full(n_c * R, -np.inf), np.ones(n_c * R)),  # one table per round
        (vc * n_e + ve, np.full(n_c * n_e, -np.inf), np.ones(n_c * n_e)),  # each employer once
        (vc, np.full(n_c, inst.k), np.full(n_c, inst.k)),  # exactly k seats
    ]
    rows, lo, hi, offset = [], [], [], 0
    for r, lb, ub in blocks:
        rows.append(r + offset)
        lo.append(lb)
        hi.append(ub)
        offset += len(lb)
    a = sp.csr_matrix(
        (np.ones(4 * n), (np.concatenate(rows), np.tile(np.arange(n), 4))), shape=(offset, n)
    )
    cons = LinearConstraint(a, np.concatenate(lo), np.concatenate(hi))
    cost = -inst.utility[vc, ve]
    relax = milp(cost, constraints=cons, integrality=np.zeros(n), bounds=Bounds(0, 1))
    opts = {"time_limit": time_limit} if time_limit else {}
    res = milp(cost, constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1), options=opts)
    if res.x is None:
        raise RuntimeError(f"integer model found no plan: {res.message}")
    pick = res.x > 0.5
    return vc[pick], vt[pick], vr[pick], float(-relax.fun)


# --------------------------------------------------------------------------- step 2: when and where


def _schedule_rounds(
    cand: np.ndarray, emp: np.ndarray, n_candidates: int, employer_seats: np.ndarray, rounds: int
) -> np.ndarray:
    """Round of each meeting: a bipartite edge colouring with ``rounds`` colours.

    Left vertices are candidates, packed into groups whose meetings total at
    most ``rounds``; right vertices are employer seat slots, each carrying
    ``rounds`` meetings except one partial slot per employer, which spreads
    every employer evenly over the rounds. Dummy edges make the multigraph
    ``rounds``-regular, so a maximum matching is perfect and removing one
    per round leaves a regular graph again (König).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    n, R = len(cand), rounds
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    deg = np.bincount(cand, minlength=n_candidates)
    group, g, load = np.zeros(n_candidates, dtype=np.int64), 0, 0
    for c in np.flatnonzero(deg):
        if load + deg[c] > R:
            g, load = g + 1, 0
        group[c], load = g, load + deg[c]
    order = np.lexsort((cand, emp))
    per_emp = np.bincount(emp, minlength=len(employer_seats))
    slots_per_emp = -(-per_emp // R)
    assert (slots_per_emp <= employer_seats).all(), "meetings exceed seats × rounds"
    first = np.concatenate([[0], np.cumsum(per_emp)[:-1]])
    slot_base = np.concatenate([[0], np.cumsum(slots_per_emp)[:-1]])
    slot = np.empty(n, dtype=np.int64)
    slot[order] = slot_base[emp[order]] + (np.arange(n) - first[emp[order]]) // R
    size = max(g + 1, int(slots_per_emp.sum()))
    left, right = group[cand], slot
    pad_l = np.repeat(np.arange(size), R - np.bincount(left, minlength=size))
    pad_r = np.repeat(np.arange(size), R - np.bincount(right, minlength=size))
    src, dst = np.concatenate([left, pad_l]), np.concatenate([right, pad_r])
    colour = np.full(len(src), -1, dtype=np.int64)
    remaining = np.arange(len(src))
    for r in range(R):
        s, d = src[remaining], dst[remaining]
        graph = csr_matrix((np.ones(len(s)), (s, d)), shape=(size, size))
        match = maximum_bipartite_matching(graph, perm_type="column")
        if (match < 0).any():
            raise RuntimeError("edge colouring failed: regular graph without perfect matching")
        key = s * size + d
        by_key = np.argsort(key, kind="stable")
        pos = np.searchsorted(key[by_key], np.arange(size) * size + match)
        picked = remaining[by_key[pos]]
        colour[picked] = r
        keep = np.ones(len(remaining), dtype=bool)
        keep[by_key[pos]] = False
        remaining = remaining[keep]
    return colour[:n]


def _seat_at_tables(
    inst: _Instance, cand: np.ndarray, emp: np.ndarray, rnd: np.ndarray
) -> np.ndarray:
    """Table of each meeting; an employer's tables are filled seat by seat in turn."""
    tab_emp = np.array([t.employer_index for t in inst.tables])
    tab_seats = np.array([t.seats for t in inst.tables])
    seat_tab = np.repeat(np.arange(len(tab_emp)), tab_seats)
    seat_no = np.arange(len(seat_tab)) - np.repeat(np.cumsum(tab_seats) - tab_seats, tab_seats)
    seat_tab = seat_tab[np.lexsort((seat_tab, seat_no, tab_emp[seat_tab]))]
    seat_start = np.concatenate([[0], np.cumsum(inst.employer_seats)[:-1]])
    order = np.lexsort((cand, rnd, emp))
    key = emp[order] * inst.rounds + rnd[order]
    group_start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    rank = np.arange(len(order)) - np.repeat(group_start, np.diff(np.r_[group_start, len(order)]))
    table = np.empty(len(order), dtype=np.int64)
    table[order] = seat_tab[seat_start[emp[order]] + rank]
    return table


def _make_plan(
    inst: _Instance,
    cand: np.ndarray,
    table: np.ndarray,
    rnd: np.ndarray,
    bound: float,
    method: str,
    start: float,
) -> TablePlan:
    """Assemble the TablePlan from per-meeting arrays."""
    tab_emp = np.array([t.employer_index for t in inst.tables], dtype=np.int64)
    emp = tab_emp[table] if len(table) else np.zeros(0, dtype=np.int64)
    util = inst.utility[cand, emp]
    order = np.lexsort((cand, table, rnd))
    assignments = [
        Assignment(
            int(rnd[i]), inst.tables[table[i]].table_id, int(emp[i]), int(cand[i]), float(util[i])
        )
        for i in order
    ]
    objective = float(util.sum())
    gap = float("nan")
    if np.isfinite(bound):
        gap = max(0.0, (bound - objective) / max(abs(bound), 1e-12))
    return TablePlan(
        assignments=assignments,
        objective=objective,
        lp_bound=float(bound),
        gap=gap,
        method=method,
        solve_seconds=time.perf_counter() - start,
        n_candidates=inst.n_candidates,
        n_employers=inst.n_employers,
        rounds=inst.rounds,
        rounds_per_candidate=inst.k,
        tables=inst.tables,
    )
