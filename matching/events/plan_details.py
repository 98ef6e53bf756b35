"""Details of a plan: a reason per planned meeting, and how spread the invitations are."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from matching.events.event_plan import PlannedMeeting
from matching.events.event_setup import EventSetup
from matching.events.invitations import invitation_concentration
from matching.events.table_plan_problem import Assignment
from matching.records.schemas import Candidate
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.explanations import explain
from matching.shortlists.geo import reach_km, travel_km

__all__ = ["concentration_before_after", "planned_meeting"]


def planned_meeting(
    a: Assignment,
    sub: np.ndarray,
    setup: EventSetup,
    scored: dict[str, np.ndarray],
    pool: CandidateArrays,
    by_id: dict[str, Candidate],
) -> PlannedMeeting:
    """A planned meeting with its reason, from one planner assignment."""
    row, e = int(sub[a.candidate_index]), a.employer_index
    col = int(scored["best_need"][row, e])
    need = setup.all_needs[col]
    employer = setup.employers[need.employer_id]
    candidate = by_id[pool.ids[row]]
    km = float(travel_km(pool.lat[row], pool.lon[row],
                         np.nan if employer.lat is None else employer.lat,
                         np.nan if employer.lon is None else employer.lon))
    reach = float(reach_km(pool.mobility[row : row + 1], pool.max_travel_km[row : row + 1])[0])
    features = {
        "occupation_level": float(scored["need_level"][row, col]),
        "sim_dense": float(scored["need_similarity"][row, col]),
        "travel_km": km,
        "travel_share_of_reach": km / max(reach, 0.1) if math.isfinite(km) else 0.0,
    }
    # the reason names the work need that made the pair worth a conversation
    title = need.title
    if any(need is n for n in setup.stand_ins):
        title += " (geen open werkvraag: eerder werk of profiel)"
    reason = f"{title}: {explain(candidate, need, employer, features)}"
    public = f"{title}: {explain(candidate, need, employer, features, include_limits=False)}"
    return PlannedMeeting(
        round=a.round + 1,
        table_id=str(a.table_id),
        employer_id=employer.id,
        candidate_id=candidate.id,
        work_need_id=need.id,
        utility=float(a.utility),
        employer_chance=float(scored["employer_chance"][row, e]),
        interest=float(scored["interest"][row, e]),
        reason=reason,
        reason_without_limits=public,
    )


def concentration_before_after(
    pool: list[Candidate], past: list[tuple[str, dt.date]], invited: list[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Invitation concentration over candidates who may be invited, before and with this plan."""
    may = [c for c in pool if c.consent_events and c.consent_matching]
    eligible = {c.id: i for i, c in enumerate(may)}
    counts = np.zeros(len(eligible), dtype=np.int64)
    for cid, _ in past:
        if cid in eligible:
            counts[eligible[cid]] += 1
    before = invitation_concentration(counts)
    for cid in invited:
        counts[eligible[cid]] += 1
    return before, invitation_concentration(counts)
