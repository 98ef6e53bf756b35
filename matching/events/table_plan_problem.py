"""The table-planning problem: its input, its checks and its result.

:class:`Table` and a utility matrix describe an event; :class:`TablePlan`,
a list of :class:`Assignment` with its quality, is what
:func:`matching.events.table_planner.plan_tables` and
:func:`matching.events.table_planner.greedy_plan` return. Before any solving the
input is validated into an internal instance and checked for feasibility
with a max flow (its min cut names the candidates and employers of a
bottleneck), so an impossible request is refused with a reason instead of
being planned in part.

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

import operator
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np


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
    dutch : str, optional
        The message and the suggestion for staff, in Dutch (front ends show it
        where given; the API answers in English).
    """

    def __init__(
        self, message: str, *, suggestion: str, ids: Sequence[Hashable] = (), dutch: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.ids = tuple(ids)
        self.dutch = dutch

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
        out: dict[Hashable, list[list[int]]] = {
            t.table_id: [[] for _ in range(self.rounds)] for t in self.tables
        }
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
class PlanningInstance:
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
        result: int = self.utility.shape[0]
        return result

    @property
    def n_employers(self) -> int:
        result: int = self.utility.shape[1]
        return result

    @property
    def capacity(self) -> np.ndarray:
        return self.employer_seats * self.rounds

    def name(self, c: int) -> Hashable:
        return self.candidate_ids[c] if self.candidate_ids is not None else c


def _fmt(names: Sequence[Hashable], limit: int = 5) -> str:
    """Join names for a message, eliding long lists."""
    shown = ", ".join(repr(n) if isinstance(n, str) else str(n) for n in list(names)[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def prepare_instance(
    utility: np.ndarray,
    tables: Sequence[Table | tuple[Hashable, int, int]],
    rounds: int,
    rounds_per_candidate: int | None,
    veto: np.ndarray | None,
    candidate_ids: Sequence[Hashable] | None,
) -> PlanningInstance:
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
    return PlanningInstance(
        utility=np.where(allowed, u, 0.0),
        allowed=allowed,
        tables=tabs,
        employer_seats=employer_seats,
        rounds=rounds,
        k=k,
        candidate_ids=candidate_ids,
    )


def _max_flow(inst: PlanningInstance, k: int) -> tuple[int, np.ndarray]:
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


def _largest_feasible_k(inst: PlanningInstance) -> int:
    """Largest rounds_per_candidate below the requested one that has a plan (0 if none)."""
    for k in range(inst.k - 1, 0, -1):
        if (inst.allowed.sum(axis=1) >= k).all() and _max_flow(inst, k)[0] == inst.n_candidates * k:
            return k
    return 0


def _relax_hint(inst: PlanningInstance) -> str:
    best = _largest_feasible_k(inst)
    if best:
        return f"rounds_per_candidate={best} would work with these candidates and tables"
    return "no lower rounds_per_candidate works without changing candidates or tables"


def check_feasible(inst: PlanningInstance) -> None:
    """Raise PlanningError, naming who and what to relax, if no plan exists."""
    n_c, k, n_allowed = inst.n_candidates, inst.k, inst.allowed.sum(axis=1)
    if n_c == 0:
        return
    nowhere = np.flatnonzero(n_allowed == 0)
    if nowhere.size:
        names = [inst.name(int(c)) for c in nowhere]
        raise PlanningError(
            f"candidate(s) {_fmt(names)} cannot meet any employer at this event: "
            "every employer with a table is vetoed for them",
            suggestion="Do not invite them, lift a veto, "
            "or add a table for an employer they may meet.",
            ids=names,
        )
    few = np.flatnonzero(n_allowed < k)
    if few.size:
        c, names = few[0], [inst.name(int(c)) for c in few]
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
