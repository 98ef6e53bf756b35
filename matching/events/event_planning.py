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
5. returns an :class:`~matching.events.event_plan.EventPlan` with a short
   Dutch reason per table conversation, which
   :mod:`matching.events.event_plan_output` prints.

:func:`plan_event` runs these stages one function each: the event
(:func:`matching.events.event_setup.load_event`), the candidate pool, the
candidate vetoes, the pair scores (:mod:`matching.events.pair_utility`), and
invitations with seating; the plan is assembled from their results.

Utility
-------
For candidate ``c`` and employer ``e``, over the work needs ``w`` of ``e``
that do not clash with ``c``'s limits:

* employer side ``p[c, w] = score[c, w]``: the ranker's calibrated chance of
  a good outcome; without a ranker in service the text similarity
  clipped to ``[0, 1]`` stands in for it (the plan's ``scored_by`` says so);
* candidate side ``q[c, w] = 1 - (1 - s⁺[c, w]) · (1 - level[c, w] / 5)``,
  with ``s⁺`` the text similarity of the candidate's wishes and profile
  to the work clipped to ``[0, 1]`` and ``level`` the ISCO match (0-5) of the
  desired occupations: a "noisy or" of two signals of interest, 1 when the
  work is exactly the occupation they ask for;
* ``U[c, w] = max(p, ε)^a · max(q, ε)^(1 - a)``: a weighted geometric mean
  (``a = employer_weight``, default 0.5; ``ε = 0.01`` keeps pairs with one
  weak side comparable instead of all zero). A geometric mean rewards pairs
  where both sides are keen over pairs where only one is;
* the conversation is about ``w* = argmax_w U[c, w]``, and ``p``, ``q`` and
  ``U`` of the pair are those of ``w*``. The chance shown is therefore the
  chance of the work the conversation is recorded on, not the highest of
  several work needs' chances, which would overstate it.

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
import hashlib
import logging
import time
from dataclasses import dataclass

import numpy as np

from matching.events.event_plan import (
    CandidateChances,
    EventPlan,
    EventPlanningError,
    PlanControls,
    PlannedMeeting,
)
from matching.events.event_setup import (
    EventSetup,
    invitation_history,
    load_event,
    months_before,
    placed_candidates,
)
from matching.events.invitations import (
    InvitationList,
    InvitationPolicy,
    capacity_for,
    select_invitations,
)
from matching.events.net_value import (
    OwnProspects,
    chance_if_invited,
    net_effect,
    own_prospects,
    worth_of_good_outcome,
)
from matching.events.pair_utility import utility_matrix
from matching.events.plan_details import concentration_before_after, planned_meeting
from matching.events.plan_errors import must_invite_vetoed, nobody_invitable, too_few_seats
from matching.events.table_plan_problem import PlanningError, Table, TablePlan
from matching.events.table_planner import greedy_plan, plan_tables
from matching.outcomes.own_chance import OwnChanceError
from matching.records.enums import InvitationStatus
from matching.records.schemas import Candidate, Event, Invitation
from matching.records.storage import Store
from matching.shortlists.candidate_arrays import CandidateArrays, demand_mask
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.fair_exposure import ExposurePolicy, protected_groups
from matching.shortlists.vetoes import Site, Veto, veto_masks
from matching.sroi.settings import SroiSettings

__all__ = ["plan_event"]

logger = logging.getLogger(__name__)

_MAX_REPAIRS = 5
#: Said with every plan that shows chances: on an invitation list they run high (in simulated
#: municipalities 1.3-1.55x the truth, `benchmarks/results/invitation_objective.md`), because
#: the model learned from conversations relationship managers chose (docs/ranker.md).
CHANCES_CAVEAT = (
    "De kansen zijn schattingen van het model. Op een uitnodigingslijst vallen ze doorgaans "
    "hoger uit dan wat werkelijk gebeurt, omdat het model leerde van gesprekken die "
    "relatiemanagers zelf kozen (zie de modelkaart). Gebruik ze om kandidaten te vergelijken, "
    "niet als belofte."
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


# --------------------------------------------------------------------------- the stages


@dataclass
class _Vetted:
    """The pool after the candidate vetoes: who is left, and why the others are not."""

    arrays: CandidateArrays  # the whole pool
    excluded: dict[str, list[str]]  # candidate id -> reason codes; later stages add to it
    rows: list[int]  # pool rows left
    candidates: list[Candidate]
    ids: list[str]


@dataclass
class _Scores:
    """Both sides' scores of every remaining candidate with every hosting employer."""

    emp_index: dict[str, int]
    scored: dict[str, np.ndarray]
    veto: np.ndarray  # candidate x employer: may not meet
    row_of: dict[str, int]
    scored_by: str
    chances_shown: bool  # the employer side is a calibrated chance with enough evidence


@dataclass
class _Prospects:
    """What an invitation would change for each remaining candidate (see ``net_value``)."""

    own: OwnProspects
    worth: np.ndarray  # euros one good outcome is worth for the candidate
    cost: float  # euros an invitation costs

    def value(self, net: np.ndarray, rows: slice | int = slice(None)) -> np.ndarray:
        """Social value of inviting (the candidates in ``rows``): ``net * worth - cost``."""
        result: np.ndarray = net * self.worth[rows] - self.cost
        return result


@dataclass
class _Seating:
    capacity: int
    chosen: InvitationList
    sub: np.ndarray  # rows of the invited candidates
    plan: TablePlan
    greedy: TablePlan


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
    setup = load_event(store, event_id, controls)
    notes: list[str] = []
    pool = _candidate_pool(store, setup.event, controls)
    past, current = invitation_history(store, setup.event)
    vetted = _vet_candidates(store, setup.event, pool, current, controls)
    scores = _score_pairs(engine, setup, vetted, controls, len(pool), notes)
    prospects = _own_prospects(store, setup.event, vetted, controls)
    policy = engine.config.fair_exposure
    fair = None
    if policy is not None:
        # the period's invitations so far and each group's part, whoever they went to: the
        # policy's bounds hold over the period
        window = months_before(setup.event.date, controls.period_months)
        by_id = {c.id: c for c in pool}
        invited = [by_id[c] for c, day in past if day >= window and c in by_id]
        had = {g: int(m.sum()) for g, m in protected_groups(invited).items()}
        fair = (protected_groups(vetted.candidates), policy, (len(invited), had))
    seating = _invite_and_seat(setup, vetted, scores, past, controls, len(pool), prospects, fair)
    return _assemble(setup, pool, past, vetted, scores, seating, controls, notes, start, prospects)


def _own_prospects(
    store: Store, event: Event, vetted: _Vetted, controls: PlanControls
) -> _Prospects | None:
    """Each remaining candidate's chance of work without the programme and what a good
    outcome is worth for them (None: cannot tell)."""
    sroi = controls.sroi_settings or SroiSettings()
    try:
        own = own_prospects(store, event.municipality, vetted.candidates, event.date,
                            controls.horizon_months, sroi.duration_years)
    except OwnChanceError as exc:
        if controls.invite_by != "chance":
            raise EventPlanningError(
                f"cannot invite by {controls.invite_by}: {exc}",
                suggestion="Invite by chance until the history holds more work found "
                "without the programme.",
                dutch="Uitnodigen op het verschil dat het maakt of op maatschappelijke waarde "
                "kan nog niet: de geschiedenis heeft te weinig mensen die zelf werk vonden om "
                "die kans te schatten. Nodig uit op kans op een goed gesprek.",
            ) from exc
        logger.info("no chance-anyway figures for %s: %s", event.id, exc)
        return None
    worth = worth_of_good_outcome(store, event.municipality, vetted.candidates, own, event.date,
                                  prices=controls.prices, settings=sroi)
    cost = sroi.rm_hours_per_invited * sroi.rm_hourly_rate
    return _Prospects(own, worth, cost)


def _candidate_pool(store: Store, event: Event, controls: PlanControls) -> list[Candidate]:
    """The candidates to invite from: the given ids (and must-invites), or the municipality's."""
    muni = event.municipality
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
    return pool


def _vet_candidates(
    store: Store,
    event: Event,
    pool: list[Candidate],
    current: dict[str, Invitation],
    controls: PlanControls,
) -> _Vetted:
    """Candidate-level vetoes (consent, availability, placement, distance, declined)."""
    ids = [c.id for c in pool]
    arrays = CandidateArrays.from_candidates(pool)
    masks = veto_masks(arrays, Site.of_event(event), on=event.date, consent="events",
                       placed_ids=placed_candidates(store, event.municipality, event.date))
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
    return _Vetted(arrays, excluded, rows, cands, [c.id for c in cands])


def _score_pairs(
    engine: ShortlistEngine,
    setup: EventSetup,
    vetted: _Vetted,
    controls: PlanControls,
    pool_size: int,
    notes: list[str],
) -> _Scores:
    """Pair scores in both directions and the pair vetoes (limits, no thanks)."""
    event, k, cids, excluded = setup.event, setup.k, vetted.ids, vetted.excluded
    emp_index = {e: j for j, e in enumerate(setup.employer_ids)}
    n_e = len(emp_index)
    needs = setup.all_needs
    need_employer = np.array([emp_index[n.employer_id] for n in needs], dtype=np.int64)
    if not cids:
        raise nobody_invitable(event, pool_size, excluded, {})
    matrix = engine.pair_matrix(event.municipality, cids, [n.id for n in setup.needs],
                                stand_ins=setup.stand_ins)
    hard = np.array([demand_mask(sorted(n.hard_demands, key=lambda d: d.value))
                     for n in needs], dtype=np.uint32)
    need_blocked = (vetted.arrays.limits[vetted.rows][:, None] & hard[None, :]) != 0
    scored = utility_matrix(matrix, need_employer, n_e, need_blocked,
                            employer_weight=controls.employer_weight)
    scored["need_similarity"] = np.asarray(matrix.similarity, dtype=float)
    scored["need_level"] = np.asarray(matrix.occupation_level, dtype=float)
    no_thanks = np.zeros((len(cids), n_e), dtype=bool)
    row_of = {c: i for i, c in enumerate(cids)}
    stray = []
    for employer_id, candidate_id in controls.no_thanks:
        if employer_id in emp_index and candidate_id in row_of:
            no_thanks[row_of[candidate_id], emp_index[employer_id]] = True
        elif employer_id not in emp_index:
            stray.append(employer_id)
    if stray:
        notes.append("'liever niet'-wensen van werkgevers zonder tafel hier genegeerd: "
                     f"{', '.join(sorted(set(stray)))}")
    veto = scored["blocked"] | no_thanks
    n_allowed = (~veto).sum(axis=1)
    for i in np.flatnonzero(n_allowed < k):
        cid = cids[i]
        if cid in controls.must_invite:
            raise must_invite_vetoed(cid, setup, veto[i], scored["blocked"][i], k)
        excluded.setdefault(cid, []).append(
            "vetoed_by_every_employer" if n_allowed[i] == 0 else "too_few_permitted_employers"
        )
    return _Scores(emp_index, scored, veto, row_of, matrix.scored_by, engine.shows_chances)


def _seed(event_id: str) -> int:
    """A stable seed per event: planning the same event again draws the same exploration seats."""
    return int(hashlib.sha256(event_id.encode("utf-8")).hexdigest()[:8], 16)


def _invite_and_seat(
    setup: EventSetup,
    vetted: _Vetted,
    scores: _Scores,
    past: list[tuple[str, dt.date]],
    controls: PlanControls,
    pool_size: int,
    prospects: _Prospects | None,
    fair: tuple[dict[str, np.ndarray], ExposurePolicy, tuple[int, dict[str, int]]] | None = None,
) -> _Seating:
    """Choose the invitations and seat them; candidates who cannot be seated are replaced.

    With ``fair`` (protected groups, the municipality's bounds, and the period's invitations
    so far with each group's part) the invitations chosen on value keep each group's share
    of the period's invitations within the bounds of its share of the eligible pool."""
    groups, exposure, earlier = (None, None, (0, {})) if fair is None else fair
    event, k, rounds = setup.event, setup.k, setup.rounds
    cids, excluded, row_of = vetted.ids, vetted.excluded, scores.row_of
    scored, veto = scores.scored, scores.veto
    table_specs = [Table(t.id, scores.emp_index[t.employer_id], t.seats) for t in setup.tables]
    seat_capacity = capacity_for(table_specs, rounds, k)
    capacity = seat_capacity
    if event.max_candidates is not None:
        if event.max_candidates > seat_capacity:
            raise too_few_seats(event, setup, k, seat_capacity)
        capacity = event.max_candidates
    window = months_before(event.date, controls.period_months)
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
            exploration_share=controls.exploration_share, seed=_seed(event.id),
        )
        if controls.invite_by != "chance" and prospects is not None:
            if_invited = chance_if_invited(scored["employer_chance"], veto, k)
            net = net_effect(if_invited, prospects.own.anyway)
            value = np.where(np.isnan(if_invited), -np.inf,
                             net if controls.invite_by == "net" else prospects.value(net))
            chosen = select_invitations(
                value, capacity, policy, meetings=k, candidate_ids=cids,
                events_in_period=recent, recent_invitations=recent, groups=groups, exposure=exposure,
                earlier=earlier,
            )
        else:
            chosen = select_invitations(
                scored["utility"], capacity, policy, veto=veto, meetings=k, candidate_ids=cids,
                events_in_period=recent, recent_invitations=recent, groups=groups, exposure=exposure,
                earlier=earlier,
            )
        if not chosen.invited:
            raise nobody_invitable(event, pool_size, excluded, chosen.excluded)
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
            for candidate in who:
                if candidate not in dropped:
                    excluded.setdefault(str(candidate), []).append(reason)
    greedy = greedy_plan(scored["utility"][sub], table_specs, rounds, rounds_per_candidate=k,
                         veto=veto[sub], compute_bound=False)
    return _Seating(capacity, chosen, sub, plan, greedy)


def _assemble(
    setup: EventSetup,
    pool: list[Candidate],
    past: list[tuple[str, dt.date]],
    vetted: _Vetted,
    scores: _Scores,
    seating: _Seating,
    controls: PlanControls,
    notes: list[str],
    start: float,
    prospects: _Prospects | None,
) -> EventPlan:
    """The plan: meetings with their reasons, invitation concentration, notes."""
    chosen, sub, plan = seating.chosen, seating.sub, seating.plan
    invited = [vetted.ids[i] for i in sub]
    by_id = {c.id: c for c in vetted.candidates}
    cand_arrays = vetted.arrays.take(np.array(vetted.rows, dtype=np.int64))
    meetings = [planned_meeting(a, sub, setup, scores.scored, cand_arrays, by_id)
                for a in plan.assignments]
    before, after = concentration_before_after(pool, past, invited)
    for need in setup.stand_ins:
        employer = setup.employers[need.employer_id]
        basis = ("zijn profiel" if need.id.endswith(".profiel")
                 else f"eerder werk ('{need.title}')")
        notes.append(
            f"Let op: {employer.name} heeft geen open werkvraag; gepland op {basis}. Leg het werk "
            "vast dat ze nu hebben voor een betere match."
        )
    if chosen.shortfall > 0:
        notes.append(
            f"{chosen.shortfall} van de {seating.capacity} plaatsen blijven leeg: maar "
            f"{len(invited)} kandidaten konden worden uitgenodigd"
        )
    if chosen.balanced:
        notes.append(
            f"evenwichtige zichtbaarheid: {chosen.balanced} uitnodiging(en) gewisseld zodat elke "
            "groep naar verhouding wordt uitgenodigd (kost "
            f"{chosen.value_given_up:.2f} van de verwachte waarde van de uitnodigingen)"
        )
    if chosen.cap_overrides:
        notes.append("verplicht uitgenodigd boven het maximum per periode: "
                     + ", ".join(map(str, chosen.cap_overrides)))
    if scores.scored_by == "similarity":
        notes.append("nog geen getraind model in gebruik: de kant van de werkgever is "
                     "tekstovereenkomst")
    # text similarity or a thinly calibrated score is no chance to show a person
    chances = _chances(meetings, invited, vetted.ids, prospects) if scores.chances_shown else {}
    if chances:
        notes.append(CHANCES_CAVEAT)
    return EventPlan(
        event=setup.event,
        tables=setup.tables,
        employers=setup.employers,
        work_needs={n.id: n for n in setup.all_needs},
        rounds=setup.rounds,
        rounds_per_candidate=setup.k,
        capacity=seating.capacity,
        invited=invited,
        reserves=[str(c) for c in chosen.reserve_ids],
        explored=[str(c) for c in chosen.explored_ids],
        lottery=[str(c) for c in chosen.lottery_ids],
        meetings=meetings,
        excluded=dict(sorted(vetted.excluded.items())),
        cap_overrides=[str(c) for c in chosen.cap_overrides],
        objective=plan.objective,
        lp_bound=plan.lp_bound,
        gap=plan.gap,
        method=plan.method,
        greedy_objective=seating.greedy.objective,
        greedy_complete=seating.greedy.complete,
        concentration=after,
        concentration_before=before,
        scored_by=scores.scored_by,
        employer_weight=controls.employer_weight,
        pool_size=len(pool),
        notes=notes,
        seconds=time.perf_counter() - start,
        relationship_managers={c: by_id[c].relationship_manager for c in invited},
        candidate_names={c: by_id[c].name for c in invited if by_id[c].name},
        invite_by=controls.invite_by,
        horizon_months=controls.horizon_months,
        chances=chances,
    )


def _chances(
    meetings: list[PlannedMeeting], invited: list[str], ids: list[str], prospects: _Prospects | None
) -> dict[str, CandidateChances]:
    """Per invited candidate: chance from their planned conversations, anyway, the difference
    and its social value."""
    miss: dict[str, float] = dict.fromkeys(invited, 1.0)
    for m in meetings:
        miss[m.candidate_id] *= 1.0 - min(max(m.employer_chance, 0.0), 1.0)
    row = {c: i for i, c in enumerate(ids)}
    out = {}
    for cid in invited:
        if_invited = 1.0 - miss[cid]
        if prospects is None:
            out[cid] = CandidateChances(if_invited, None, None)
            continue
        i = row[cid]
        own = float(prospects.own.anyway[i])
        net = float(net_effect(np.array(if_invited), np.array(own)))
        out[cid] = CandidateChances(if_invited, own, net, float(prospects.value(np.array(net), i)))
    return out
