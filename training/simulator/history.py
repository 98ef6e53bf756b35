"""The months of the simulated period: events, invitations, meetings and outcomes.

Each month one *prettig gesprek* is held at one of the host employers' premises:
about five employers with an open work need host a table, relationship managers invite
candidates who plausibly fit (their own noisy reading of a candidate's occupational
family, not the true chance of success), some decline, most who accept come, and every
candidate talks to a different employer in each round. A meeting is about the host's
open work need that suits the candidate best on what both can see; whether it leads to
a good outcome is drawn from ``p_good``. Placed candidates leave the pool.

Alongside, every candidate in the caseload (the comparison group included) can find
work on their own each month with chance ``p_base``; those outcomes have no employer.
The comparison group, drawn at random before the start, is never invited.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from training.simulator.events import run_event
from training.simulator.families import FAMILIES
from training.simulator.history_state import History, HistoryInputs
from training.simulator.period import event_date, month_index, month_start, period_end
from training.simulator.placements import record_base_outcome

LEAVE_HAZARD = 0.008  # monthly chance of leaving the caseload (moving, study, pension ...)
PAUSE_HAZARD = 0.012  # monthly chance of a pause (illness, care duties) of 2-5 months
RM_KNOWS_FAMILY = 0.3  # the relationship manager knows the candidate's true preference

MonthProgress = Callable[[int, int], None]  # (months done, months)


def _top_k(rng: np.random.Generator, log_weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` indices drawn without replacement proportional to exp(log_weights)."""
    keys = log_weights + rng.gumbel(size=log_weights.shape)
    return np.argsort(-keys, kind="stable")[:k]


def _caseload_calendar(
    rng: np.random.Generator, n: int, months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave month per candidate, a paused matrix, and the month each pause spell ends."""
    u = rng.random(n)
    leave = np.floor(np.log1p(-u) / math.log1p(-LEAVE_HAZARD)).astype(int)
    leave = np.minimum(leave, months + 1000)
    paused = np.zeros((n, months), dtype=bool)
    pause_end = np.full((n, months), -1, dtype=int)
    remaining = np.zeros(n, dtype=int)
    ends = np.full(n, -1, dtype=int)
    starts = rng.random((n, months)) < PAUSE_HAZARD
    lengths = rng.integers(2, 6, size=(n, months))
    for m in range(months):
        new = (remaining == 0) & starts[:, m]
        remaining = np.where(new, lengths[:, m], remaining)
        ends = np.where(new, m + lengths[:, m], ends)
        paused[:, m] = remaining > 0
        pause_end[:, m] = np.where(remaining > 0, ends, -1)
        remaining = np.maximum(remaining - 1, 0)
    return leave, paused, pause_end


def _rm_beliefs(
    rng: np.random.Generator, inputs: HistoryInputs
) -> np.ndarray:
    """The family a relationship manager thinks each candidate is after."""
    c, texts, catalogue = inputs.candidates, inputs.texts, inputs.catalogue
    weights = np.array([f.candidate_weight for f in FAMILIES])
    guess = rng.choice(len(FAMILIES), size=c.n, p=weights / weights.sum())
    knows = rng.random(c.n) < RM_KNOWS_FAMILY
    belief = np.empty(c.n, dtype=int)
    for i, text in enumerate(texts):
        if knows[i]:
            belief[i] = c.family[i]
        elif text.desired:
            belief[i] = catalogue.occupations[text.desired[0]].family
        elif text.revealed_family >= 0:
            belief[i] = text.revealed_family
        else:
            belief[i] = guess[i]
    return belief


def simulate_history(
    inputs: HistoryInputs,
    rng: np.random.Generator,
    caseload_rng: np.random.Generator,
    base_rng: np.random.Generator,
    progress: MonthProgress | None = None,
) -> History:
    """Run the monthly events and the outcomes found outside them."""
    cfg = inputs.config
    c, e, w = inputs.candidates, inputs.employers, inputs.works
    n, months = c.n, cfg.months
    end = period_end(cfg.start_date, months)
    hist = History.empty(n, w.n)

    leave, paused, pause_end = _caseload_calendar(caseload_rng, n, months)
    hist.leave_month = leave
    reg_month = np.array([max(month_index(cfg.start_date, d), 0) for d in c.registered_on])
    in_caseload = np.zeros((n, months), dtype=bool)
    for m in range(months):
        in_caseload[:, m] = (reg_month <= m) & (leave > m)
    hist.caseload_months = in_caseload.sum(axis=1)
    hist.in_caseload = in_caseload
    # own job search with common random numbers: the same draws decide the counterfactual
    base_hits = (base_rng.random((n, months)) < inputs.p_base[:, None]) & in_caseload
    hist.base_month = np.where(base_hits.any(axis=1), base_hits.argmax(axis=1), -1)
    hist.rm_belief = _rm_beliefs(rng, inputs)

    tier = np.array([t.motivation_tier for t in inputs.texts])
    registered_ordinal = np.array([d.toordinal() for d in c.registered_on])
    work_created = w.created_on
    hosted = np.zeros(e.n, dtype=int)
    works_of: list[list[int]] = [[] for _ in range(e.n)]
    for j in range(w.n):
        works_of[int(w.employer[j])].append(j)
    for m in range(months):
        day = event_date(cfg.start_date, m)
        # 1. work found on one's own this month (before the event)
        for i in np.flatnonzero((hist.base_month == m) & (hist.good_month < 0)):
            record_base_outcome(hist, inputs, int(i), m, rng, end, hist.next_outcome_id())
        # 2. who can be invited
        intake_ok = registered_ordinal <= day.toordinal() - 7
        available = (
            intake_ok
            & ~inputs.comparison
            & c.consent_events
            & c.consent_matching
            & (leave > m)
            & ~paused[:, m]
            & (hist.good_month < 0)
        )
        # 3. hosts: employers in contact with an open work need
        open_work = [
            [j for j in works_of[k] if work_created[j] <= day and hist.filled[j] < w.places[j]]
            for k in range(e.n)
        ]
        eligible = np.array(
            [bool(open_work[k]) and e.first_contact[k] <= day for k in range(e.n)]
        )
        if progress is not None:
            progress(m, months)
        if not eligible.any() or not available.any():
            continue
        log_w = np.where(
            eligible,
            np.log(e.openness + 1.5 * e.ambassador + 0.5) + np.log(0.5) * hosted,
            -np.inf,
        )
        k_hosts = int(min(cfg.employers_per_event, eligible.sum()))
        hosts = [int(h) for h in _top_k(rng, log_w, k_hosts)]
        hosted[hosts] += 1
        run_event(hist, inputs, m, day, end, hosts, open_work, available, tier, rng)
    if progress is not None:
        progress(months, months)

    last = months - 1
    # the month the pause that holds at the end began
    spell_start = np.full(n, last)
    for m in range(last - 1, -1, -1):
        still = paused[:, m] & (spell_start == m + 1)
        spell_start[still] = m
    hist.paused_since = [
        month_start(cfg.start_date, int(spell_start[i]))
        if paused[i, last] and hist.good_month[i] < 0 and leave[i] > last
        else None
        for i in range(n)
    ]
    hist.paused_until = [
        month_start(cfg.start_date, int(pause_end[i, last]))
        if paused[i, last] and hist.good_month[i] < 0 and leave[i] > last
        else None
        for i in range(n)
    ]
    return hist
