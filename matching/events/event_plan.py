"""An event plan and the organiser's controls that shaped it.

:func:`matching.events.event_planning.plan_event` makes an :class:`EventPlan`
from :class:`PlanControls`; :mod:`matching.events.event_plan_output` prints it
and :mod:`matching.events.event_records` saves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from matching.events.table_plan_problem import PlanningError
from matching.events.table_planner import Method
from matching.records.schemas import Employer, Event, EventTable, WorkNeed
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings

__all__ = [
    "OBJECTIVE_NL",
    "UTILITY_FORMULA",
    "CandidateChances",
    "EventPlan",
    "EventPlanningError",
    "InviteBy",
    "PlanControls",
    "PlannedMeeting",
]

UTILITY_FORMULA = "U = max(p, 0.01)^a * max(q, 0.01)^(1-a)"

#: What the invitation list maximises (see ``PlanControls.invite_by``).
InviteBy = Literal["chance", "net", "value"]
#: What staff read for each ``InviteBy``.
OBJECTIVE_NL: dict[str, str] = {
    "chance": "kans op een goed gesprek",
    "net": "het verschil dat het maakt",
    "value": "maatschappelijke waarde",
}


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
        Conversations per candidate; default every round, or one with each
        host when fewer employers host a table than there are rounds.
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
    exploration_share : float
        Share of the free places given to eligible candidates drawn at random,
        so the ranker keeps learning where it may be wrong (see
        :mod:`matching.events.invitations`); 0 turns it off.
    invite_by : {"chance", "net", "value"}
        ``"chance"``: invite those whose conversations are most likely to go
        well (the sum of their best utilities). ``"net"``: invite those the
        invitation helps most: ``(1 - chance anyway) * chance if invited``.
        ``"value"``: invite for the most social value: the net effect times
        what a good outcome is worth for the candidate, minus the
        invitation's cost (see :mod:`matching.events.net_value`).
    horizon_months : int
        Months over which "chance anyway" (finding work without the
        programme) is reckoned.
    prices, sroi_settings : optional
        The municipality's price list and social-value settings (defaults:
        :class:`~matching.sroi.prices.PriceList`,
        :class:`~matching.sroi.settings.SroiSettings`), for ``value``.
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
    exploration_share: float = 0.1
    invite_by: InviteBy = "chance"
    horizon_months: int = 6
    prices: PriceList | None = None
    sroi_settings: SroiSettings | None = None

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
        if not 0.0 <= self.exploration_share <= 0.5:
            raise ValueError(f"exploration_share must be in [0, 0.5], got {self.exploration_share}")
        if self.invite_by not in ("chance", "net", "value"):
            raise ValueError(
                f"invite_by must be 'chance', 'net' or 'value', got {self.invite_by!r}"
            )
        if not 1 <= self.horizon_months <= 36:
            raise ValueError(f"horizon_months must be between 1 and 36, got {self.horizon_months}")


@dataclass(frozen=True)
class CandidateChances:
    """What an invitation is expected to change for one candidate (see ``net_value``)."""

    if_invited: float  # chance of a WEP or job from their planned conversations
    anyway: float | None  # chance of finding one without the programme over the horizon
    net: float | None  # (1 - anyway) * if_invited: the difference the invitation makes
    value: float | None = None  # social value in euros: net * worth of a good outcome - cost


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
    candidate_names: dict[str, str] = field(default_factory=dict)  # for staff; never a model input
    explored: list[str] = field(default_factory=list)  # invited at random, to keep learning
    lottery: list[str] = field(default_factory=list)  # whom ``explored`` were drawn from
    invite_by: str = "chance"
    horizon_months: int = 6
    chances: dict[str, CandidateChances] = field(default_factory=dict)  # per invited candidate

    def by_table(self) -> dict[str, list[list[PlannedMeeting]]]:
        """Per table id, per round (index 0 = round 1), the meetings there."""
        out: dict[str, list[list[PlannedMeeting]]] = {
            t.id: [[] for _ in range(self.rounds)] for t in self.tables
        }
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
            "explored": list(self.explored),
            "lottery_size": len(self.lottery),
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
            "invite_by": self.invite_by,
            "horizon_months": self.horizon_months,
            "chances": [
                {"candidate_id": c, "if_invited": round(x.if_invited, 6),
                 "anyway": None if x.anyway is None else round(x.anyway, 6),
                 "net": None if x.net is None else round(x.net, 6),
                 "value": None if x.value is None else round(x.value, 2)}
                for c, x in self.chances.items()
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
