"""Whom to invite to a *prettig gesprek*.

Arrays in, dataclasses out. Each candidate in the pool has a value of
attending: either given directly (one number per candidate) or derived from a
``(n_candidates, n_employers)`` utility matrix as the sum of their best
``meetings`` permitted employers, which is what they would get from a table
plan with ``rounds_per_candidate = meetings``. The organiser's controls, in
order of precedence:

1. ``never_invite`` ids are never invited; ``must_invite`` ids always are. An id
   on both lists is a contradiction and an error.
2. ``max_events_per_period``: candidates who already attended that many events
   in the period are skipped. A must-invite overrides the cap; the result lists
   such overrides so the organiser sees them.
3. Spreading: each recent invitation multiplies a candidate's value by
   ``recency_decay`` (a penalty, whatever the sign of the value), so the same
   strong candidates do not fill every month's event.
4. Exploration: a share ``exploration_share`` of the free places goes to
   eligible candidates drawn at random (seeded), not by value. The model
   learns only from conversations that took place; if every invitation
   follows its own ranking, it never learns where it is wrong. Those seats
   are listed (``explored_ids``) and recorded on the invitation, so training
   and evaluation can tell them apart.

The remaining places go to the highest adjusted values. Candidates who cannot
sit the planned number of meetings (too many vetoes) are never chosen, so the
list can always be handed to :func:`matching.events.table_planner.plan_tables` with
``rounds_per_candidate = meetings`` as far as vetoes are concerned; seat
bottlenecks at popular employers are the table planner's to report.

:func:`invitation_concentration` measures how evenly a series of events spread
its invitations (Gini coefficient and the share of the top 10 %).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matching.events.table_plan_problem import PlanningError, Table
from matching.shortlists.fair_exposure import ExposurePolicy

__all__ = [
    "InvitationList",
    "InvitationPolicy",
    "PlanningError",
    "candidate_value",
    "capacity_for",
    "gini",
    "invitation_concentration",
    "invitation_counts",
    "select_invitations",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InvitationPolicy:
    """The organiser's controls for one event.

    Attributes
    ----------
    must_invite, never_invite : frozenset
        Candidate ids (indices when no ids are given). Unknown never-invite ids
        are ignored, so a standing list can be reused across pools.
    max_events_per_period : int or None
        Skip candidates whose ``events_in_period`` has reached this number.
    recency_decay : float
        In (0, 1]; a candidate's value is multiplied by
        ``recency_decay ** recent_invitations``. 1 turns spreading off.
    n_reserves : int
        How many next-best candidates to list as reserves for no-shows.
    exploration_share : float
        In [0, 0.5]: share of the free places drawn at random among eligible
        candidates (rounded to the nearest whole place). 0 turns it off.
    seed : int
        Seed of the exploration draw (the same event gives the same draw).
    """

    must_invite: frozenset[Hashable] = field(default_factory=frozenset)
    never_invite: frozenset[Hashable] = field(default_factory=frozenset)
    max_events_per_period: int | None = None
    recency_decay: float = 1.0
    n_reserves: int = 0
    exploration_share: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "must_invite", frozenset(self.must_invite))
        object.__setattr__(self, "never_invite", frozenset(self.never_invite))
        if not 0.0 < self.recency_decay <= 1.0:
            raise ValueError(f"recency_decay must be in (0, 1], got {self.recency_decay}")
        if self.max_events_per_period is not None and self.max_events_per_period < 0:
            raise ValueError(
                f"max_events_per_period must be >= 0, got {self.max_events_per_period}"
            )
        if self.n_reserves < 0:
            raise ValueError(f"n_reserves must be >= 0, got {self.n_reserves}")
        if not 0.0 <= self.exploration_share <= 0.5:
            raise ValueError(f"exploration_share must be in [0, 0.5], got {self.exploration_share}")


@dataclass(frozen=True)
class InvitationList:
    """Who is invited, who is in reserve, and why others are not.

    Attributes
    ----------
    invited : list of int
        Candidate indices: must-invites first, then by adjusted value.
    invited_ids : list
        The same candidates as ids.
    reserves, reserve_ids : list
        Next best eligible candidates, best first.
    scores : ndarray of shape (n_candidates,)
        Adjusted value used for ranking; ``-inf`` for ineligible candidates.
    excluded : dict of str to list
        Ids left out, by reason: ``"never_invite"``, ``"at_period_cap"``,
        ``"too_few_employers"``.
    cap_overrides : list
        Must-invite ids already at ``max_events_per_period``.
    capacity : int
        Places that were to be filled.
    explored_ids : list
        Invited ids drawn at random for exploration (a subset of ``invited_ids``).
    lottery_ids : list
        The ids they were drawn from (drawn or not; empty without exploration seats).
    balanced, value_given_up : int, float
        With a fair-exposure policy: how many invitations it swapped, and the
        candidates' value the list gave up for that.
    """

    invited: list[int]
    invited_ids: list[Hashable]
    reserves: list[int]
    reserve_ids: list[Hashable]
    scores: np.ndarray
    excluded: dict[str, list[Hashable]]
    cap_overrides: list[Hashable]
    capacity: int
    explored_ids: list[Hashable] = field(default_factory=list)
    lottery_ids: list[Hashable] = field(default_factory=list)
    #: with a fair-exposure policy: invitations it changed, and the value given up for them
    balanced: int = 0
    value_given_up: float = 0.0

    @property
    def shortfall(self) -> int:
        """Places left empty because too few candidates were eligible."""
        return self.capacity - len(self.invited)


def candidate_value(
    utility: np.ndarray, *, veto: np.ndarray | None = None, meetings: int = 1
) -> np.ndarray:
    """Value of attending: the sum of a candidate's best ``meetings`` utilities.

    Parameters
    ----------
    utility : array of shape (n_candidates, n_employers)
        ``-inf`` marks a veto.
    veto : bool array of the same shape, optional
        ``True`` where the pair must never meet.
    meetings : int
        Meetings each candidate will have; 1 gives the best single employer,
        ``n_employers`` the sum over all.

    Returns
    -------
    ndarray of shape (n_candidates,)
        ``-inf`` for candidates with fewer than ``meetings`` permitted employers.

    Examples
    --------
    >>> candidate_value(np.array([[0.2, 0.5, -np.inf]]), meetings=2)
    array([0.7])
    """
    u = np.asarray(utility, dtype=float)
    if u.ndim != 2:
        raise ValueError(f"utility must be 2-D (n_candidates, n_employers), got shape {u.shape}")
    if not 1 <= meetings <= max(u.shape[1], 1):
        raise ValueError(f"meetings must be between 1 and n_employers={u.shape[1]}, got {meetings}")
    blocked = u == -np.inf
    if veto is not None:
        v = np.asarray(veto)
        if v.shape != u.shape or v.dtype != bool:
            raise ValueError(
                f"veto must be a bool array of shape {u.shape}, got {v.dtype} {v.shape}"
            )
        blocked = blocked | v
    if np.isnan(u[~blocked]).any() or np.isposinf(u[~blocked]).any():
        raise ValueError("utility must be finite or -inf (veto)")
    if u.shape[0] == 0:
        return np.zeros(0)
    best = -np.partition(-np.where(blocked, -np.inf, u), meetings - 1, axis=1)[:, :meetings]
    result: np.ndarray = best.sum(axis=1)  # one -inf among the best makes the candidate ineligible
    return result


def capacity_for(
    tables: Sequence[Table | tuple[Hashable, int, int]],
    rounds: int,
    rounds_per_candidate: int | None = None,
) -> int:
    """Number of candidates the tables can seat for ``rounds_per_candidate`` rounds each.

    With the default (a seat in every round) this is the seats per round.

    Examples
    --------
    >>> capacity_for([("A", 0, 6), ("B", 1, 6)], rounds=3, rounds_per_candidate=2)
    18
    """
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    k = rounds if rounds_per_candidate is None else rounds_per_candidate
    if not 1 <= k <= rounds:
        raise ValueError(f"rounds_per_candidate must be between 1 and rounds={rounds}, got {k}")
    seats = sum(int(t.seats if isinstance(t, Table) else t[2]) for t in tables)
    return seats * rounds // k


def select_invitations(
    utility: np.ndarray,
    capacity: int,
    policy: InvitationPolicy = InvitationPolicy(),
    *,
    veto: np.ndarray | None = None,
    meetings: int = 1,
    candidate_ids: Sequence[Hashable] | None = None,
    events_in_period: np.ndarray | None = None,
    recent_invitations: np.ndarray | None = None,
    groups: Mapping[str, np.ndarray] | None = None,
    exposure: ExposurePolicy | None = None,
    earlier: tuple[int, Mapping[str, int]] = (0, {}),
) -> InvitationList:
    """Choose the candidates to invite.

    Parameters
    ----------
    utility : array of shape (n_candidates,) or (n_candidates, n_employers)
        Value of attending per candidate, or a utility matrix turned into one
        by :func:`candidate_value` with ``veto`` and ``meetings``.
    capacity : int
        Places to fill, e.g. from :func:`capacity_for`.
    policy : InvitationPolicy
        The organiser's controls.
    candidate_ids : sequence, optional
        Unique ids; the policy refers to these. Defaults to indices.
    events_in_period : int array of shape (n_candidates,), optional
        Events each candidate attended in the current period; required when
        ``policy.max_events_per_period`` is set.
    recent_invitations : array of shape (n_candidates,), optional
        Recent invitations per candidate (a count, or a time-decayed count),
        used with ``policy.recency_decay``.
    groups, exposure : optional
        Protected groups (group -> membership per candidate) and the
        municipality's bounds: each group's share of the invitations chosen on
        value stays within ``exposure.low``-``exposure.high`` times its share of
        the eligible pool (:func:`balance`). Read only here, never for value.
    earlier : (int, mapping), optional
        Invitations of the period before this event, and how many went to each
        group: the bounds hold over the period, so a shortfall earlier is made up now.

    Returns
    -------
    InvitationList

    Raises
    ------
    PlanningError
        When the policy contradicts itself or cannot be met: an id on both
        lists, more must-invites than places, a must-invite who is not in the
        pool or cannot meet enough employers.

    Examples
    --------
    >>> value = np.array([0.9, 0.8, 0.1, 0.5])
    >>> select_invitations(value, 2, InvitationPolicy(never_invite={0})).invited
    [1, 3]
    """
    u = np.asarray(utility, dtype=float)
    if u.ndim == 2:
        value = candidate_value(u, veto=veto, meetings=meetings)
    elif u.ndim == 1 and veto is None:
        if np.isnan(u).any() or np.isposinf(u).any():
            raise ValueError("values must be finite or -inf (cannot attend)")
        value = u
    else:
        raise ValueError(
            "utility must be 1-D values or a 2-D matrix (veto only with 2-D), "
            f"got shape {u.shape}"
        )
    n = len(value)
    if int(capacity) != capacity or capacity < 0:
        raise ValueError(f"capacity must be a non-negative integer, got {capacity}")
    capacity = int(capacity)
    ids = list(range(n)) if candidate_ids is None else list(candidate_ids)
    if len(ids) != n or len(set(ids)) != n:
        raise ValueError(
            f"candidate_ids must be {n} unique ids, got {len(ids)} ({len(set(ids))} unique)"
        )
    index = {c: i for i, c in enumerate(ids)}
    events = _per_candidate(events_in_period, n, "events_in_period")
    recent = _per_candidate(recent_invitations, n, "recent_invitations")
    if policy.max_events_per_period is not None and events is None:
        raise ValueError("max_events_per_period is set, so events_in_period is required")

    must = _check_must_invite(policy, index, value, capacity, meetings if u.ndim == 2 else None)
    never = np.zeros(n, dtype=bool)
    never[[index[c] for c in policy.never_invite if c in index]] = True
    at_cap: np.ndarray = np.zeros(n, dtype=bool)
    if policy.max_events_per_period is not None and events is not None:  # checked above
        at_cap = events >= policy.max_events_per_period

    scores = value.copy()
    if recent is not None and policy.recency_decay < 1.0:
        factor = policy.recency_decay ** recent
        scores = np.where(scores >= 0, scores * factor, scores / factor)
    eligible = np.isfinite(scores) & ~never & ~at_cap
    eligible[must] = False
    tie = recent if recent is not None else np.zeros(n)
    ranked = [i for i in np.lexsort((np.arange(n), tie, -scores)) if eligible[i]]
    free = max(capacity - len(must), 0)
    n_explore = min(math.floor(policy.exploration_share * free + 0.5), max(len(ranked) - free, 0))
    best = [int(i) for i in ranked[: free - n_explore]]
    balanced, given_up = 0, 0.0
    if exposure is not None and groups and best:
        offsets = np.random.default_rng(policy.seed).random(len(groups))
        best, balanced, given_up = balance(best, [int(i) for i in ranked], scores, groups, exposure,
                                           offsets=offsets, earlier=earlier)
        chosen = set(best)
        ranked = best + [int(i) for i in ranked if int(i) not in chosen]
    rest = ranked[free - n_explore :]
    lottery = [int(i) for i in rest] if n_explore else []
    drawn = np.random.default_rng(policy.seed).permutation(len(rest))[:n_explore]
    explored = [int(rest[j]) for j in sorted(drawn)]
    rest = [int(i) for i in rest if i not in set(explored)]
    must_sorted = sorted(must, key=lambda i: (-scores[i], i))
    invited = must_sorted + best + explored
    reserves = rest[: policy.n_reserves]
    scores[~(eligible | np.isin(np.arange(n), must))] = -np.inf
    if len(invited) < capacity:
        logger.info("only %d eligible candidates for %d places", len(invited), capacity)
    return InvitationList(
        invited=invited,
        invited_ids=[ids[i] for i in invited],
        reserves=reserves,
        reserve_ids=[ids[i] for i in reserves],
        scores=scores,
        excluded={
            "never_invite": [ids[i] for i in np.flatnonzero(never)],
            "at_period_cap": [ids[i] for i in np.flatnonzero(at_cap & ~never) if i not in must],
            "too_few_employers": [ids[i] for i in np.flatnonzero(~np.isfinite(value) & ~never)],
        },
        cap_overrides=[ids[i] for i in must_sorted if at_cap[i]],
        capacity=capacity,
        explored_ids=[ids[i] for i in explored],
        lottery_ids=[ids[i] for i in lottery],
        balanced=balanced,
        value_given_up=given_up,
    )


#: How far inside the policy's bounds an invitation list aims (a share of the way towards 1).
INSIDE = 0.25


def balance(
    chosen: list[int],
    ranked: list[int],
    scores: np.ndarray,
    groups: Mapping[str, np.ndarray],
    exposure: ExposurePolicy,
    *,
    offsets: np.ndarray | None = None,
    earlier: tuple[int, Mapping[str, int]] = (0, {}),
) -> tuple[list[int], int, float]:
    """``chosen`` (the best of ``ranked`` by ``scores``) with each group's count brought within
    ``[floor(low' * share * k + u), ceil(high' * share * k - u)]``, its share of the eligible
    ``ranked`` scaled to the ``k`` places (``low'``, ``high'``: the policy's bounds moved
    :data:`INSIDE` of the way towards 1): the fewest swaps, each the cheapest in value.

    ``u`` (``offsets``, one per group in [0, 1); default 0) rounds the bounds at random;
    drawn from the event's seed, each plan stays reproducible. With ``earlier`` (the period's
    invitations so far, and each group's part of them) the bounds hold over the period:
    ``share * (earlier + k)`` places are the group's due, less what it already had, so a
    group of a few people gets one invitation here and two there and its share on the whole.

    A group below its floor gains its best uninvited member in place of an invited
    non-member; a group above its ceiling gives up a member to the best uninvited candidate
    outside it. Of the candidates for a swap, those who also mend another group's count go
    first, then value decides; no swap moves a group out of its bounds or further out.
    Returns the new choice, the swaps and the value given up.
    """
    k, pool = len(chosen), np.array(ranked, dtype=np.int64)
    bounds = {}
    u = np.zeros(len(groups)) if offsets is None else np.asarray(offsets, dtype=float)
    # aim a quarter of the way inside each bound: rounded at random per event, the counts
    # then land inside the bounds over many events, not on them half of the time
    low = exposure.low + INSIDE * (1.0 - exposure.low)
    high = exposure.high - INSIDE * (exposure.high - 1.0)
    total, had = earlier
    for (name, members), shift in zip(groups.items(), u, strict=True):
        share = float(members[pool].mean()) if len(pool) else 0.0
        due = share * (total + k)
        floor = min(max(math.floor(low * due + shift) - had.get(name, 0), 0), k)
        ceiling = min(max(math.ceil(high * due - shift) - had.get(name, 0), 0), k)
        bounds[name] = (min(floor, ceiling), ceiling)
    invited = list(chosen)
    swaps, given_up = 0, 0.0

    def keeps(out: int, new: int, counts: Mapping[str, int]) -> bool:
        """The swap moves no group out of its bounds, nor further out of them."""
        for g, (low, high) in bounds.items():
            delta = int(groups[g][new]) - int(groups[g][out])
            after = counts[g] + delta
            if (delta < 0 and after < low) or (delta > 0 and after > high):
                return False
        return True

    for _ in range(k):  # every swap lessens the total shortfall and excess, so this ends
        outside = [i for i in ranked if i not in set(invited)]
        counts = {g: int(members[invited].sum()) for g, members in groups.items()}
        under = [g for g in groups if counts[g] < bounds[g][0]]
        over = [g for g in groups if counts[g] > bounds[g][1]]

        def helps(i: int, wrong: list[str]) -> int:
            return sum(int(groups[g][i]) for g in wrong)

        # who leaves: first those whose leaving also helps a group above its ceiling, then the
        # least valuable; who comes: first those who also help a group below its floor, then
        # the most valuable
        leaving = sorted(invited, key=lambda i: (-helps(i, over), scores[i]))
        coming = sorted(outside, key=lambda i: (-helps(i, under), -scores[i]))
        fixed = False
        for name, (low, high) in bounds.items():
            members, have = groups[name], counts[name]
            if have < low:
                come = [i for i in coming if members[i]]
                go = [i for i in leaving if not members[i]]
            elif have > high:
                come = [i for i in coming if not members[i]]
                go = [i for i in leaving if members[i]]
            else:
                continue
            pair = next(((out, new) for new in come for out in go if keeps(out, new, counts)), None)
            if pair is None:
                continue  # the pool cannot give this group more (or fewer) without breaking another
            out, new = pair
            invited[invited.index(out)] = new
            swaps += 1
            given_up += float(scores[out] - scores[new])
            fixed = True
            break
        if not fixed:
            break
    return sorted(invited, key=lambda i: (-scores[i], i)), swaps, given_up


def _fmt(names: Sequence[Hashable], limit: int = 5) -> str:
    """Join ids for a message, eliding long lists."""
    shown = ", ".join(repr(n) for n in list(names)[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _per_candidate(values: np.ndarray | None, n: int, name: str) -> np.ndarray | None:
    """Check a per-candidate array's shape and values."""
    if values is None:
        return None
    arr = np.asarray(values, dtype=float)
    if arr.shape != (n,) or not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError(f"{name} must be {n} finite non-negative numbers, got shape {arr.shape}")
    return arr


def _check_must_invite(
    policy: InvitationPolicy,
    index: dict[Hashable, int],
    value: np.ndarray,
    capacity: int,
    meetings: int | None,
) -> list[int]:
    """Indices of the must-invites, or PlanningError when they cannot all come."""
    both = sorted(policy.must_invite & policy.never_invite, key=str)
    if both:
        raise PlanningError(
            f"candidate(s) {_fmt(both)} are on both the must-invite and the never-invite list",
            suggestion="Remove them from one of the two lists.",
            ids=both,
        )
    unknown = sorted((c for c in policy.must_invite if c not in index), key=str)
    if unknown:
        raise PlanningError(
            f"must-invite candidate(s) {_fmt(unknown)} are not in the candidate pool",
            suggestion="Add them to the pool or remove them from the must-invite list.",
            ids=unknown,
        )
    if len(policy.must_invite) > capacity:
        m = len(policy.must_invite)
        raise PlanningError(
            f"{m} must-invite candidates but only {capacity} places",
            suggestion=f"Add places (seats, or fewer rounds per candidate) for {m} candidates, "
            f"or drop {m - capacity} from the must-invite list.",
        )
    must = sorted(index[c] for c in policy.must_invite)
    blocked = [i for i in must if not math.isfinite(value[i])]
    if blocked:
        names = [c for c in policy.must_invite if index[c] in blocked]
        what = "every employer"
        if meetings not in (None, 1):
            what = f"too many employers to have {meetings} meetings"
        raise PlanningError(
            f"must-invite candidate(s) {_fmt(sorted(names, key=str))} are vetoed by {what}",
            suggestion="Lift a veto, invite an employer they may meet, plan fewer meetings per "
            "candidate, or remove them from the must-invite list.",
            ids=names,
        )
    return must


def invitation_counts(events: Iterable[Iterable[int]], n_candidates: int) -> np.ndarray:
    """Invitations per candidate over a series of events (lists of candidate indices)."""
    counts = np.zeros(n_candidates, dtype=np.int64)
    for invited in events:
        np.add.at(counts, np.asarray(list(invited), dtype=np.int64), 1)
    return counts


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts: 0 when equal, near 1 when one holds all.

    Examples
    --------
    >>> gini(np.array([1, 1, 1, 1])), gini(np.array([0, 0, 0, 4]))
    (0.0, 0.75)
    """
    x = np.sort(np.asarray(counts, dtype=float))
    if (x < 0).any():
        raise ValueError("counts must be non-negative")
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


def invitation_concentration(counts: np.ndarray, top_share: float = 0.10) -> dict[str, float]:
    """How concentrated invitations are over the whole candidate pool.

    Parameters
    ----------
    counts : array of shape (n_candidates,)
        Invitations per candidate (see :func:`invitation_counts`); include
        candidates never invited, or the figures look more even than they are.
    top_share : float
        Fraction of candidates counted as "top" (default the top 10 %).

    Returns
    -------
    dict
        ``gini`` (primary), ``top10_share`` (share of invitations going to the
        top ``top_share`` of candidates, rounded up to whole candidates),
        ``reached`` (share of candidates invited at least once),
        ``n_candidates``, ``n_invitations``.
    """
    x = np.asarray(counts, dtype=float)
    total = x.sum()
    n_top = math.ceil(top_share * len(x))
    top = np.sort(x)[::-1][:n_top].sum()
    return {
        "gini": gini(x),
        f"top{round(top_share * 100)}_share": float(top / total) if total else 0.0,
        "reached": float((x > 0).mean()) if len(x) else 0.0,
        "n_candidates": float(len(x)),
        "n_invitations": float(total),
    }
