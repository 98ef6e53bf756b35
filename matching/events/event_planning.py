"""Plan a *prettig gesprek* from the store: whom to invite and who sits where.

This module wires the domain to the two array-level solvers. For one stored
:class:`~matching.records.schemas.Event` with its tables it

1. loads the hosting employers and their open work needs, and a candidate
   pool (explicit ids, or by default every candidate of the municipality);
2. applies the hard vetoes of an event (see *Vetoes* below) and scores every
   permitted candidate–employer pair in both directions;
3. chooses the invitations with :func:`matching.events.invitations.select_invitations`
   (must / never invite, a cap per period, spreading over time, reserves);
4. seats them with :func:`matching.events.table_planner.plan_tables` and, for
   comparison, :func:`matching.events.table_planner.greedy_plan`;
5. returns an :class:`EventPlan` with a short Dutch reason per table
   conversation, which :mod:`matching.events.event_plan_output` prints.

Utility
-------
For candidate ``c`` and employer ``e``, over the work needs ``w`` of ``e``
that do not clash with ``c``'s limits:

* employer side ``p = max_w score[c, w]``: the ranker's calibrated chance of
  a good outcome; without a ranker in service the hybrid text similarity
  clipped to ``[0, 1]`` stands in for it (the plan's ``scored_by`` says so);
* candidate side ``q = max_w 1 - (1 - s⁺[c, w]) · (1 - level[c, w] / 5)``,
  with ``s⁺`` the hybrid similarity of the candidate's wishes and profile
  to the work clipped to ``[0, 1]`` and ``level`` the ISCO match (0-5) of the
  desired occupations: a "noisy or" of two signals of interest, 1 when the
  work is exactly the occupation they ask for;
* ``U = max(p, ε)^a · max(q, ε)^(1 - a)``: a weighted geometric mean
  (``a = employer_weight``, default 0.5; ``ε = 0.01`` keeps pairs with one
  weak side comparable instead of all zero). A geometric mean rewards pairs
  where both sides are keen over pairs where only one is.

Vetoes
------
A vetoed pair gets no edge at all: no consent to events (or to matching),
not available on the event date, already placed, too far from the venue
(:meth:`Site.of_event <matching.shortlists.vetoes.Site.of_event>`), limits that clash
with *every* open work need of the employer (demands that cannot be
adapted), and the employer's "no thanks" list. Hours are not checked: a
conversation at a table is not yet a job.

Saving and after the event
--------------------------
Writing a plan to the store, and recording who came and which conversations
lead to a follow-up, is done by :mod:`matching.events.event_records`.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from matching.events.invitations import (
    InvitationPolicy,
    capacity_for,
    invitation_concentration,
    select_invitations,
)
from matching.events.table_plan_problem import PlanningError, Table
from matching.events.table_planner import Method, greedy_plan, plan_tables
from matching.records.enums import InvitationStatus, OutcomeKind
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    EventTable,
    Invitation,
    Outcome,
    WorkNeed,
)
from matching.records.storage import Store
from matching.shortlists.candidate_arrays import CandidateArrays, demand_mask
from matching.shortlists.engine import PairMatrix, ShortlistEngine
from matching.shortlists.explanations import explain
from matching.shortlists.geo import reach_km, travel_km
from matching.shortlists.vetoes import Site, Veto, veto_masks

__all__ = [
    "EventPlan",
    "EventPlanningError",
    "PlanControls",
    "PlannedMeeting",
    "plan_event",
    "utility_matrix",
]

logger = logging.getLogger(__name__)

EPSILON = 0.01
_MAX_REPAIRS = 5
_MAX_ROUNDS = 20  # what an Event and a TableMeeting can hold
UTILITY_FORMULA = "U = max(p, 0.01)^a * max(q, 0.01)^(1-a)"


class EventPlanningError(PlanningError):
    """An event plan that cannot be made or saved as asked; ``suggestion`` says what to change."""


@dataclass(frozen=True)
class PlanControls:
    """The organiser's controls for one event plan.

    Attributes
    ----------
    candidate_ids : tuple of str or None
        The pool; None invites from every candidate of the event's municipality.
        Must-invites are added to an explicit pool.
    must_invite, never_invite : frozenset of str
        Candidate ids always / never invited.
    max_events_per_period : int or None
        Skip candidates with this many invitations (declines not counted) to
        events in the ``period_months`` before the event.
    period_months : int
        Length of the period for the cap and for spreading.
    recency_decay : float
        In (0, 1]: each invitation in the period multiplies a candidate's
        value by this factor, so invitations spread over the caseload. 1 is off.
    rounds_per_candidate : int or None
        Conversations per candidate; default every round.
    rounds : int or None
        Plan with this many rounds instead of the event's (what-if).
    seats : mapping of table id to int, or None
        Plan with these seats instead of the stored ones (what-if).
    no_thanks : frozenset of (employer_id, candidate_id)
        Pairs an employer declined; they never meet.
    employer_weight : float
        Weight ``a`` of the employer side in the utility, in [0, 1].
    n_reserves : int
        Next-best candidates listed for no-shows.
    method : {"auto", "flow", "lp", "milp"}
        Table planner method.
    """

    candidate_ids: tuple[str, ...] | None = None
    must_invite: frozenset[str] = field(default_factory=frozenset)
    never_invite: frozenset[str] = field(default_factory=frozenset)
    max_events_per_period: int | None = None
    period_months: int = 3
    recency_decay: float = 0.7
    rounds_per_candidate: int | None = None
    rounds: int | None = None
    seats: Mapping[str, int] | None = None
    no_thanks: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    employer_weight: float = 0.5
    n_reserves: int = 5
    method: Method = "auto"

    def __post_init__(self) -> None:
        for name in ("must_invite", "never_invite", "no_thanks"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        if self.candidate_ids is not None:
            object.__setattr__(self, "candidate_ids", tuple(dict.fromkeys(self.candidate_ids)))
        if not 0.0 <= self.employer_weight <= 1.0:
            raise ValueError(f"employer_weight must be in [0, 1], got {self.employer_weight}")
        if self.period_months < 1:
            raise ValueError(f"period_months must be >= 1, got {self.period_months}")
        if not 0.0 < self.recency_decay <= 1.0:
            raise ValueError(f"recency_decay must be in (0, 1], got {self.recency_decay}")


@dataclass(frozen=True)
class PlannedMeeting:
    """One conversation in the plan (rounds count from 1)."""

    round: int
    table_id: str
    employer_id: str
    candidate_id: str
    work_need_id: str
    utility: float
    employer_chance: float
    interest: float
    reason: str
    reason_without_limits: str  # the same without health information, for hosts


@dataclass(frozen=True)
class EventPlan:
    """An invitation list and table plan for one event, with how good it is.

    ``to_dict()`` gives the JSON form: ``invited``, ``assignments`` (round,
    table, employer_id, candidate_id, reason, ...), ``objective``,
    ``lp_bound``, ``gap``, ``method``, ``greedy_objective``, ``concentration``,
    ``reserves``, ``excluded`` and ``notes``.
    """

    event: Event
    tables: tuple[EventTable, ...]  # with the seats planned for
    employers: dict[str, Employer]
    work_needs: dict[str, WorkNeed]
    rounds: int
    rounds_per_candidate: int
    capacity: int
    invited: list[str]
    reserves: list[str]
    meetings: list[PlannedMeeting]
    excluded: dict[str, list[str]]  # candidate id -> reason codes
    cap_overrides: list[str]
    objective: float
    lp_bound: float
    gap: float
    method: str
    greedy_objective: float
    greedy_complete: bool
    concentration: dict[str, float]
    concentration_before: dict[str, float]
    scored_by: str
    employer_weight: float
    pool_size: int
    notes: list[str]
    seconds: float
    relationship_managers: dict[str, str] = field(default_factory=dict)

    def by_table(self) -> dict[str, list[list[PlannedMeeting]]]:
        """Per table id, per round (index 0 = round 1), the meetings there."""
        out = {t.id: [[] for _ in range(self.rounds)] for t in self.tables}
        for m in self.meetings:
            out[m.table_id][m.round - 1].append(m)
        return out

    def by_candidate(self) -> dict[str, list[PlannedMeeting | None]]:
        """Per invited candidate, their meeting in each round (None: a round off)."""
        out: dict[str, list[PlannedMeeting | None]] = {
            c: [None] * self.rounds for c in self.invited
        }
        for m in self.meetings:
            out[m.candidate_id][m.round - 1] = m
        return out

    def to_dict(self, *, include_limits: bool = True) -> dict[str, Any]:
        """The JSON form; ``include_limits=False`` gives reasons without health information."""
        return {
            "event_id": self.event.id,
            "municipality": self.event.municipality,
            "date": self.event.date.isoformat(),
            "place": self.event.place,
            "rounds": self.rounds,
            "rounds_per_candidate": self.rounds_per_candidate,
            "capacity": self.capacity,
            "tables": [
                {"table": t.id, "employer_id": t.employer_id,
                 "employer_name": self.employers[t.employer_id].name, "seats": t.seats}
                for t in self.tables
            ],
            "invited": list(self.invited),
            "reserves": list(self.reserves),
            "assignments": [
                {
                    "round": m.round,
                    "table": m.table_id,
                    "employer_id": m.employer_id,
                    "candidate_id": m.candidate_id,
                    "work_need_id": m.work_need_id,
                    "utility": round(m.utility, 6),
                    "employer_chance": round(m.employer_chance, 6),
                    "interest": round(m.interest, 6),
                    "reason": m.reason if include_limits else m.reason_without_limits,
                }
                for m in self.meetings
            ],
            "objective": self.objective,
            "lp_bound": self.lp_bound,
            "gap": self.gap,
            "method": self.method,
            "greedy_objective": self.greedy_objective,
            "greedy_complete": self.greedy_complete,
            "concentration": self.concentration,
            "concentration_before": self.concentration_before,
            "excluded": [{"candidate_id": c, "reasons": r} for c, r in self.excluded.items()],
            "cap_overrides": list(self.cap_overrides),
            "scored_by": self.scored_by,
            "utility": {"formula": UTILITY_FORMULA, "employer_weight": self.employer_weight},
            "pool_size": self.pool_size,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


# --------------------------------------------------------------------------- scoring


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
    p, q, u = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    best = np.full(shape, -1, dtype=np.int64)
    blocked = np.ones(shape, dtype=bool)
    for e in range(n_employers):
        cols = np.flatnonzero(need_employer == e)
        if cols.size == 0:
            continue
        ok = ~need_blocked[:, cols]
        blocked[:, e] = ~ok.any(axis=1)
        p[:, e] = np.where(ok, p_need[:, cols], -np.inf).max(axis=1)
        q[:, e] = np.where(ok, q_need[:, cols], -np.inf).max(axis=1)
        pick = np.where(ok, u_need[:, cols], -np.inf).argmax(axis=1)
        best[:, e] = np.where(blocked[:, e], -1, cols[pick])
    p[blocked], q[blocked] = 0.0, 0.0
    u = np.where(blocked, 0.0, _combine(p, q, employer_weight))
    return {"utility": u, "employer_chance": p, "interest": q, "blocked": blocked,
            "best_need": best}


def _combine(p: np.ndarray, q: np.ndarray, a: float) -> np.ndarray:
    """Weighted geometric mean of both sides, floored at EPSILON."""
    return np.maximum(p, EPSILON) ** a * np.maximum(q, EPSILON) ** (1.0 - a)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _EventSetup:
    event: Event
    tables: tuple[EventTable, ...]
    rounds: int
    k: int
    employer_ids: list[str]
    employers: dict[str, Employer]
    needs: list[WorkNeed]


def _load_event(store: Store, event_id: str, controls: PlanControls) -> _EventSetup:
    """The event, its tables (with what-if overrides) and the employers' open work; validated."""
    try:
        event = store.get(Event, event_id)
        tables = store.list(EventTable, where={"event_id": event_id})
    except ValidationError as exc:
        raise EventPlanningError(
            f"event {event_id!r} or one of its tables is stored with invalid values: "
            f"{exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
            suggestion="Correct the event or table (every table needs 1-50 seats, "
            "an event 1-20 rounds) and import it again.",
            ids=[event_id],
        ) from None
    if event is None:
        raise EventPlanningError(
            f"unknown event id {event_id!r}",
            suggestion="Check the id, or import the event and its tables first.",
            ids=[event_id],
        )
    if not tables:
        raise EventPlanningError(
            f"event {event_id} has no tables",
            suggestion="Add a table (employer and seats) for every employer taking part.",
            ids=[event_id],
        )
    seats = dict(controls.seats or {})
    unknown = sorted(set(seats) - {t.id for t in tables})
    if unknown:
        raise EventPlanningError(
            f"seats are given for table(s) {', '.join(unknown)}, which are not tables of event "
            f"{event_id}",
            suggestion=f"Use one of its tables: {', '.join(t.id for t in tables)}.",
            ids=unknown,
        )
    empty = [t.id for t in tables if seats.get(t.id, t.seats) < 1]
    if empty:
        raise EventPlanningError(
            f"table(s) {', '.join(empty)} of event {event_id} have no seats",
            suggestion="Give every table at least one seat, or remove the table.",
            ids=empty,
        )
    tables = [t.model_copy(update={"seats": int(seats[t.id])}) if t.id in seats else t
              for t in tables]
    rounds = event.rounds if controls.rounds is None else int(controls.rounds)
    if not 1 <= rounds <= _MAX_ROUNDS:
        raise EventPlanningError(
            f"rounds must be at least 1 and at most {_MAX_ROUNDS}, got {rounds}",
            suggestion="Plan at least one round." if rounds < 1 else
            f"Plan at most {_MAX_ROUNDS} rounds, or split the event in two.",
        )
    k = rounds if controls.rounds_per_candidate is None else int(controls.rounds_per_candidate)
    if not 1 <= k <= rounds:
        raise EventPlanningError(
            f"rounds_per_candidate must be between 1 and the {rounds} rounds, got {k}",
            suggestion=f"Give each candidate 1 to {rounds} conversations.",
        )
    employer_ids = list(dict.fromkeys(t.employer_id for t in tables))
    employers = {e.id: e for e in store.list(Employer, where={"id": employer_ids})}
    needs = store.list(WorkNeed, municipality=event.municipality,
                       where={"employer_id": employer_ids, "open": True})
    without = [e for e in employer_ids if not any(n.employer_id == e for n in needs)]
    if without:
        names = ", ".join(f"{e} ({employers[e].name})" for e in without)
        raise EventPlanningError(
            f"employer(s) {names} host a table but have no open work need, so there is "
            "nothing to match candidates to",
            suggestion="Record the work they have (a work need, posted or not), "
            "or remove their table.",
            ids=without,
        )
    if k > len(employer_ids):
        raise EventPlanningError(
            f"{k} conversations per candidate asked, but only {len(employer_ids)} employer(s) "
            "host a table and nobody meets the same employer twice",
            suggestion=f"Set rounds_per_candidate to at most {len(employer_ids)} "
            "(candidates sit out the other rounds), or add employers.",
        )
    return _EventSetup(event, tuple(tables), rounds, k, employer_ids, employers, needs)


def _months_before(day: dt.date, months: int) -> dt.date:
    m = day.year * 12 + day.month - 1 - months
    year, month = divmod(m, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))


def _history(store: Store, event: Event) -> tuple[list[tuple[str, dt.date]], dict[str, Invitation]]:
    """(candidate id, event date) of earlier invitations, and this event's invitations."""
    dates = {e.id: e.date for e in store.list(Event, municipality=event.municipality)}
    past, current = [], {}
    for inv in store.list(Invitation, municipality=event.municipality):
        if inv.event_id == event.id:
            current[inv.candidate_id] = inv
        elif (inv.status is not InvitationStatus.DECLINED
              and dates.get(inv.event_id, event.date) < event.date):
            past.append((inv.candidate_id, dates[inv.event_id]))
    return past, current


def _placed(store: Store, municipality: str, day: dt.date) -> frozenset[str]:
    return frozenset(
        o.candidate_id for o in store.list(Outcome, municipality=municipality)
        if OutcomeKind(o.kind).is_placement and o.start_date is not None and o.start_date <= day
        and (o.end_date is None or o.end_date >= day)
    )


_VETO_CODES = {
    Veto.NO_CONSENT: "no_consent",
    Veto.NOT_AVAILABLE: "not_available",
    Veto.ALREADY_PLACED: "already_placed",
    Veto.TOO_FAR: "too_far",
}
_VETO_TEXT = {
    "no_consent": "has not consented to being invited to events",
    "not_available": "is not available on the event date",
    "already_placed": "is already placed",
    "too_far": "lives too far from the venue for their mobility",
    "declined": "declined the invitation to this event",
}


# --------------------------------------------------------------------------- planning


def plan_event(
    store: Store,
    engine: ShortlistEngine,
    event_id: str,
    controls: PlanControls = PlanControls(),
) -> EventPlan:
    """Invitation list and table plan for a stored event.

    Parameters
    ----------
    store : Store
        Holds the event, its tables, the employers, work needs, candidates and
        the invitation history.
    engine : ShortlistEngine
        Scores the candidate × work-need pairs (with the ranker in service, if any).
    event_id : str
    controls : PlanControls
        The organiser's controls.

    Returns
    -------
    EventPlan

    Raises
    ------
    EventPlanningError, PlanningError
        The request cannot be met; ``suggestion`` says what to relax.

    Examples
    --------
    >>> plan = plan_event(store, engine, "EV1", PlanControls(must_invite={"C7"}))  # doctest: +SKIP
    >>> plan.to_dict()["assignments"][0]  # doctest: +SKIP
    {'round': 1, 'table': 'T1', 'employer_id': 'E1', 'candidate_id': 'C7', ...}
    """
    start = time.perf_counter()
    setup = _load_event(store, event_id, controls)
    event, k, rounds = setup.event, setup.k, setup.rounds
    muni = event.municipality
    notes: list[str] = []

    both = sorted(controls.must_invite & controls.never_invite)
    if both:
        raise EventPlanningError(
            f"candidate(s) {', '.join(both)} are on both the must-invite and the never-invite list",
            suggestion="Remove them from one of the two lists.", ids=both,
        )
    if controls.candidate_ids is None:
        pool = store.list(Candidate, municipality=muni)
    else:
        wanted = list(dict.fromkeys([*controls.candidate_ids, *sorted(controls.must_invite)]))
        found = {c.id: c for c in store.list(Candidate, municipality=muni, where={"id": wanted})}
        unknown = [c for c in wanted if c not in found]
        if unknown:
            raise EventPlanningError(
                f"candidate(s) {', '.join(unknown[:10])} are not candidates of municipality {muni}",
                suggestion="Check the ids; only candidates of the event's municipality can be "
                "invited.", ids=unknown,
            )
        pool = [found[c] for c in wanted]
    ids = [c.id for c in pool]
    unknown_must = sorted(controls.must_invite - set(ids))
    if unknown_must:
        raise EventPlanningError(
            f"must-invite candidate(s) {', '.join(unknown_must)} are not candidates of "
            f"municipality {muni}",
            suggestion="Check the ids, or remove them from the must-invite list.", ids=unknown_must,
        )
    past, current = _history(store, event)

    # candidate-level vetoes
    arrays = CandidateArrays.from_candidates(pool)
    masks = veto_masks(arrays, Site.of_event(event), on=event.date, consent="events",
                       placed_ids=_placed(store, muni, event.date))
    excluded: dict[str, list[str]] = {}
    for veto, code in _VETO_CODES.items():
        for row in np.flatnonzero(masks[veto]):
            excluded.setdefault(ids[row], []).append(code)
    in_pool = set(ids)
    for cid, inv in current.items():
        if inv.status is InvitationStatus.DECLINED and cid in in_pool:
            excluded.setdefault(cid, []).append("declined")
    for cid in sorted(controls.must_invite & set(excluded)):
        why = "; ".join(_VETO_TEXT[r] for r in excluded[cid])
        raise EventPlanningError(
            f"must-invite candidate {cid} cannot be invited: {why}",
            suggestion="Remove them from the must-invite list"
            + (", or record their consent first" if "no_consent" in excluded[cid] else "")
            + (", or update their travel range" if "too_far" in excluded[cid] else "") + ".",
            ids=[cid],
        )
    rows = [i for i, c in enumerate(ids) if c not in excluded]
    cands = [pool[i] for i in rows]
    cids = [c.id for c in cands]

    # pair scores and pair vetoes
    emp_index = {e: j for j, e in enumerate(setup.employer_ids)}
    n_e = len(emp_index)
    need_employer = np.array([emp_index[n.employer_id] for n in setup.needs], dtype=np.int64)
    if not cids:
        raise _nobody(event, len(pool), excluded, {})
    matrix = engine.pair_matrix(muni, cids, [n.id for n in setup.needs])
    hard = np.array([demand_mask(sorted(n.hard_demands, key=lambda d: d.value))
                     for n in setup.needs], dtype=np.uint32)
    need_blocked = (arrays.limits[rows][:, None] & hard[None, :]) != 0
    scored = utility_matrix(matrix, need_employer, n_e, need_blocked,
                            employer_weight=controls.employer_weight)
    scored["need_similarity"] = np.asarray(matrix.similarity, dtype=float)
    scored["need_level"] = np.asarray(matrix.occupation_level, dtype=float)
    scored_by = matrix.scored_by
    no_thanks = np.zeros((len(cids), n_e), dtype=bool)
    row_of = {c: i for i, c in enumerate(cids)}
    stray = []
    for employer_id, candidate_id in controls.no_thanks:
        if employer_id in emp_index and candidate_id in row_of:
            no_thanks[row_of[candidate_id], emp_index[employer_id]] = True
        elif employer_id not in emp_index:
            stray.append(employer_id)
    if stray:
        notes.append(f"no-thanks entries for employer(s) without a table here ignored: "
                     f"{', '.join(sorted(set(stray)))}")
    veto = scored["blocked"] | no_thanks
    n_allowed = (~veto).sum(axis=1)
    for i in np.flatnonzero(n_allowed < k):
        cid = cids[i]
        if cid in controls.must_invite:
            raise _must_invite_vetoed(cid, setup, veto[i], scored["blocked"][i], k)
        excluded.setdefault(cid, []).append(
            "vetoed_by_every_employer" if n_allowed[i] == 0 else "too_few_permitted_employers"
        )

    # invitations
    table_specs = [Table(t.id, emp_index[t.employer_id], t.seats) for t in setup.tables]
    seat_capacity = capacity_for(table_specs, rounds, k)
    capacity = seat_capacity
    if event.max_candidates is not None:
        if event.max_candidates > seat_capacity:
            raise _too_few_seats(event, setup, k, seat_capacity)
        capacity = event.max_candidates
    window = _months_before(event.date, controls.period_months)
    recent = np.zeros(len(cids))
    for cid, day in past:
        if cid in row_of and day >= window:
            recent[row_of[cid]] += 1
    policy_must = controls.must_invite
    never = set(controls.never_invite)
    dropped: list[str] = []
    for attempt in range(_MAX_REPAIRS + 1):
        policy = InvitationPolicy(
            must_invite=policy_must, never_invite=frozenset(never),
            max_events_per_period=controls.max_events_per_period,
            recency_decay=controls.recency_decay, n_reserves=controls.n_reserves,
        )
        chosen = select_invitations(
            scored["utility"], capacity, policy, veto=veto, meetings=k, candidate_ids=cids,
            events_in_period=recent, recent_invitations=recent,
        )
        if not chosen.invited:
            raise _nobody(event, len(pool), excluded, chosen.excluded)
        sub = np.array(chosen.invited, dtype=np.int64)
        try:
            plan = plan_tables(scored["utility"][sub], table_specs, rounds, rounds_per_candidate=k,
                               veto=veto[sub], method=controls.method,
                               candidate_ids=[cids[i] for i in sub])
            break
        except PlanningError as exc:
            stuck = [c for c in exc.ids if c in row_of and c not in policy_must]
            if not stuck or attempt == _MAX_REPAIRS:
                raise
            logger.info("no seats for %s at their permitted employers; inviting others", stuck)
            dropped += stuck
            never |= set(stuck)
    for cid in dropped:
        excluded.setdefault(cid, []).append("no_seat_at_permitted_employers")
    for reason, who in chosen.excluded.items():
        if reason in ("never_invite", "at_period_cap"):
            for cid in who:
                if cid not in dropped:
                    excluded.setdefault(cid, []).append(reason)
    greedy = greedy_plan(scored["utility"][sub], table_specs, rounds, rounds_per_candidate=k,
                         veto=veto[sub], compute_bound=False)

    invited = [cids[i] for i in sub]
    by_id = {c.id: c for c in cands}
    cand_arrays = arrays.take(np.array(rows, dtype=np.int64))
    meetings = [_meeting(a, sub, setup, scored, cand_arrays, by_id) for a in plan.assignments]
    before, after = _concentration(pool, past, invited)
    if chosen.shortfall > 0:
        notes.append(
            f"{chosen.shortfall} of {capacity} places stay empty: only {len(invited)} candidates "
            "could be invited"
        )
    if chosen.cap_overrides:
        notes.append("must-invite above the period cap: "
                     + ", ".join(map(str, chosen.cap_overrides)))
    if scored_by == "similarity":
        notes.append("no trained model in service: the employer side is text similarity")
    return EventPlan(
        event=event,
        tables=setup.tables,
        employers=setup.employers,
        work_needs={n.id: n for n in setup.needs},
        rounds=rounds,
        rounds_per_candidate=k,
        capacity=capacity,
        invited=invited,
        reserves=[str(c) for c in chosen.reserve_ids],
        meetings=meetings,
        excluded=dict(sorted(excluded.items())),
        cap_overrides=[str(c) for c in chosen.cap_overrides],
        objective=plan.objective,
        lp_bound=plan.lp_bound,
        gap=plan.gap,
        method=plan.method,
        greedy_objective=greedy.objective,
        greedy_complete=greedy.complete,
        concentration=after,
        concentration_before=before,
        scored_by=scored_by,
        employer_weight=controls.employer_weight,
        pool_size=len(pool),
        notes=notes,
        seconds=time.perf_counter() - start,
        relationship_managers={c: by_id[c].relationship_manager for c in invited},
    )


def _meeting(a, sub: np.ndarray, setup: _EventSetup, scored: dict[str, np.ndarray],
             pool: CandidateArrays, by_id: dict[str, Candidate]) -> PlannedMeeting:  # noqa: ANN001
    """A planned meeting with its reason, from one planner assignment."""
    row, e = int(sub[a.candidate_index]), a.employer_index
    col = int(scored["best_need"][row, e])
    need = setup.needs[col]
    employer = setup.employers[need.employer_id]
    candidate = by_id[pool.ids[row]]
    km = float(travel_km(pool.lat[row], pool.lon[row],
                         np.nan if employer.lat is None else employer.lat,
                         np.nan if employer.lon is None else employer.lon))
    reach = float(reach_km(pool.mobility[row : row + 1], pool.max_travel_km[row : row + 1])[0])
    features = {
        "occupation_level": float(scored["need_level"][row, col]),
        "sim_hybrid": float(scored["need_similarity"][row, col]),
        "travel_km": km,
        "travel_share_of_reach": km / max(reach, 0.1) if math.isfinite(km) else 0.0,
    }
    # the reason names the work need that made the pair worth a conversation
    reason = f"{need.title}: {explain(candidate, need, employer, features)}"
    public = f"{need.title}: {explain(candidate, need, employer, features, include_limits=False)}"
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


def _concentration(
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


def _must_invite_vetoed(cid: str, setup: _EventSetup, veto: np.ndarray, blocked: np.ndarray,
                        k: int) -> EventPlanningError:
    why = []
    for j, e in enumerate(setup.employer_ids):
        if veto[j]:
            what = "limits clash with all its work" if blocked[j] else "said no thanks"
            why.append(f"{e} ({setup.employers[e].name}): {what}")
    n_ok = int((~veto).sum())
    return EventPlanningError(
        f"must-invite candidate {cid} may meet only {n_ok} of the {len(setup.employer_ids)} "
        f"employers but {k} conversations per candidate were asked; vetoed by " + "; ".join(why),
        suggestion="Remove them from the must-invite list, lift a no-thanks, "
        + (f"or lower rounds_per_candidate to {n_ok}." if n_ok
           else "or add an employer they may meet."),
        ids=[cid],
    )


def _too_few_seats(
    event: Event, setup: _EventSetup, k: int, seat_capacity: int
) -> EventPlanningError:
    seats = sum(t.seats for t in setup.tables)
    want = event.max_candidates or 0
    extra = -(-(want * k - seats * setup.rounds) // setup.rounds)
    fits = [kk for kk in range(k - 1, 0, -1) if seats * setup.rounds // kk >= want]
    hint = f", or set rounds_per_candidate to {fits[0]}" if fits else ""
    return EventPlanningError(
        f"event {event.id} is set for {want} candidates, but its {len(setup.tables)} tables "
        f"have {seats} seats per round: {seat_capacity} candidates with {k} conversations each",
        suggestion=f"Add {extra} seat(s) per round, lower max_candidates to {seat_capacity}{hint}.",
        ids=[event.id],
    )


def _nobody(event: Event, pool_size: int, excluded: dict[str, list[str]],
            policy_excluded: dict[str, list]) -> EventPlanningError:
    counts: dict[str, int] = {}
    for reasons in excluded.values():
        for r in reasons:
            counts[r] = counts.get(r, 0) + 1
    for r in ("never_invite", "at_period_cap"):
        if policy_excluded.get(r):
            counts[r] = len(policy_excluded[r])
    summary = ", ".join(f"{r}: {n}" for r, n in sorted(counts.items())) or "the pool is empty"
    return EventPlanningError(
        f"no candidate of the pool of {pool_size} can be invited to event {event.id} ({summary})",
        suggestion="Widen the pool, lift vetoes or the period cap, or choose a venue closer "
        "to the candidates.",
        ids=[event.id],
    )
