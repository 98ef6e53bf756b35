"""When and where each meeting of a table plan takes place.

Who meets whom is given (see :mod:`matching.events.meeting_bmatching`); what is left
is a bipartite edge colouring with one colour per round. Split each employer
into seat slots that each carry at most ``R`` meetings; every vertex then has
degree at most ``R``, and by König's edge-colouring theorem the meetings fit
in ``R`` rounds. We pad the graph to be ``R``-regular and peel off one
perfect matching per round. Within a round, an employer's meetings are then
spread over its tables seat by seat, so its tables fill evenly.
"""

from __future__ import annotations

import numpy as np

from matching.events.table_plan_problem import PlanningInstance


def schedule_rounds(
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


def seat_at_tables(
    inst: PlanningInstance, cand: np.ndarray, emp: np.ndarray, rnd: np.ndarray
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
