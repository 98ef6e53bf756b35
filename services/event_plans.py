"""Plan a *prettig gesprek*: whom to invite and who sits at which table, shown and logged.

:func:`plan_event` is what ``POST /events/{id}/plan``, the event page and
``werkkans plan-event`` all call: the planner
(:func:`matching.events.event_planning.plan_event`) with the organiser's
:class:`PlanRequest`, the plan as the actor may see it (candidates without
consent for events never shown; health information only for those who may
see it), optionally saved, and written to the audit log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from matching.events.event_plan import EventPlan, InviteBy, PlanControls
from matching.events.event_planning import plan_event as make_plan
from matching.events.event_records import SaveSummary, save_plan
from matching.events.table_plan_problem import PlanningError
from matching.privacy import audit_log
from matching.records.schemas import Event
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings
from services import records
from services.actor import Actor
from services.errors import Conflict, InvalidInput
from services.events import consenting

__all__ = ["CandidateChancesOut", "EventPlanOut", "PlanRequest", "PlannedMeetingOut", "SavedOut", "ShownPlan", "plan_event"]


@dataclass(frozen=True)
class PlanRequest:
    """The organiser's controls (see :class:`matching.events.event_plan.PlanControls`).

    ``rounds``, ``seats`` and ``no_thanks`` are what-ifs and employers' refusals;
    ``save`` stores the invitations and planned meetings.
    """

    candidate_ids: tuple[str, ...] | None = None
    must_invite: tuple[str, ...] = ()
    never_invite: tuple[str, ...] = ()
    max_events_per_period: int | None = None
    period_months: int = 3
    recency_decay: float = 0.7
    rounds_per_candidate: int | None = None
    employer_weight: float = 0.5
    n_reserves: int = 5
    exploration_share: float = 0.1
    invite_by: InviteBy = "chance"
    save: bool = False
    rounds: int | None = None
    seats: Mapping[str, int] | None = None
    no_thanks: tuple[tuple[str, str], ...] = field(default=())
    prices: PriceList | None = None  # for invite_by="value"; default price list
    sroi_settings: SroiSettings | None = None

    def controls(self) -> PlanControls:
        """The planner's controls; ``ValueError`` names a control out of range."""
        return PlanControls(
            candidate_ids=self.candidate_ids,
            must_invite=frozenset(self.must_invite),
            never_invite=frozenset(self.never_invite),
            max_events_per_period=self.max_events_per_period,
            period_months=self.period_months,
            recency_decay=self.recency_decay,
            rounds_per_candidate=self.rounds_per_candidate,
            rounds=self.rounds,
            seats=self.seats,
            no_thanks=frozenset(self.no_thanks),
            employer_weight=self.employer_weight,
            n_reserves=self.n_reserves,
            exploration_share=self.exploration_share,
            invite_by=self.invite_by,
            prices=self.prices,
            sroi_settings=self.sroi_settings,
        )

    def logged(self) -> dict[str, Any]:
        """The request as the audit log keeps it (what-ifs only when used)."""
        values: dict[str, Any] = {
            "candidate_ids": list(self.candidate_ids) if self.candidate_ids is not None else None,
            "must_invite": list(self.must_invite),
            "never_invite": list(self.never_invite),
            "max_events_per_period": self.max_events_per_period,
            "period_months": self.period_months,
            "recency_decay": self.recency_decay,
            "rounds_per_candidate": self.rounds_per_candidate,
            "employer_weight": self.employer_weight,
            "n_reserves": self.n_reserves,
            "exploration_share": self.exploration_share,
            "invite_by": self.invite_by,
            "save": self.save,
        }
        if self.rounds is not None:
            values["rounds"] = self.rounds
        if self.seats is not None:
            values["seats"] = dict(self.seats)
        if self.no_thanks:
            values["no_thanks"] = [list(p) for p in self.no_thanks]
        if self.prices is not None:
            values["prices"] = {name: price["value"] for name, price in self.prices.to_dict().items()}
        if self.sroi_settings is not None:
            values["sroi_settings"] = dataclasses.asdict(self.sroi_settings)
        return values


class PlannedMeetingOut(BaseModel):
    round: int
    table: str
    employer_id: str
    candidate_id: str
    work_need_id: str
    utility: float
    employer_chance: float
    interest: float
    reason: str


class SavedOut(BaseModel):
    invitations_added: int
    invitations_removed: int
    meetings_added: int
    meetings_changed: int
    meetings_removed: int


class CandidateChancesOut(BaseModel):
    """What the invitation is expected to change for one invited candidate."""

    candidate_id: str
    if_invited: float = Field(
        description="Chance of a WEP or job from the conversations planned for them."
    )
    anyway: float | None = Field(
        description="Chance of finding a WEP or job without the programme within "
        "`horizon_months` (null: the history holds too little work found alone to tell)."
    )
    net: float | None = Field(description="The difference the invitation makes: (1 - anyway) * if_invited.")
    value: float | None = Field(
        default=None,
        description="Social value of the invitation in euros: net times what a good outcome is "
        "worth for this candidate (price list, hours, benefit, time they would otherwise stay "
        "on benefit) minus the invitation's cost.",
    )


class EventPlanOut(BaseModel):
    event_id: str
    date: str
    place: str
    rounds: int
    rounds_per_candidate: int
    capacity: int
    tables: list[dict[str, Any]]
    invited: list[str]
    reserves: list[str]
    assignments: list[PlannedMeetingOut]
    invite_by: str = Field(description="What the invitation list maximised: `chance`, `net` or `value`.")
    horizon_months: int
    chances: list[CandidateChancesOut] = Field(description="Per invited candidate.")
    objective: float
    lp_bound: float
    gap: float
    method: str
    greedy_objective: float
    scored_by: str = Field(description="Model version in service, or 'similarity'.")
    excluded: list[dict[str, Any]] = Field(description="Candidates left out, with reason codes.")
    notes: list[str]
    saved: SavedOut | None = None
    audit_ref: str = Field(description="Reference of the audit-log entry (GET /audit?ref=...).")


@dataclass(frozen=True)
class ShownPlan:
    """A plan as shown: the planner's plan, what the actor may see of it, and the log entry.

    ``shown`` is :meth:`EventPlan.to_dict` without candidates who withdrew
    consent for events and, for actors who may not see health information,
    with reasons that leave limits out.
    """

    plan: EventPlan
    shown: dict[str, Any]
    saved: SaveSummary | None
    audit_ref: str

    def out(self) -> EventPlanOut:
        return EventPlanOut(
            **{k: v for k, v in self.shown.items() if k in EventPlanOut.model_fields},
            saved=SavedOut(**self.saved.__dict__) if self.saved is not None else None,
            audit_ref=self.audit_ref,
        )


def plan_event(
    store: Store, engine: ShortlistEngine, actor: Actor, event_id: str, request: PlanRequest
) -> ShownPlan:
    """Plan (and with ``request.save`` store) an event for ``actor``; logged as shown.

    Raises
    ------
    NotFound
        No such event in the actor's municipality.
    InvalidInput
        The controls are out of range, or the plan cannot be made as asked
        (the message says what to relax).
    Conflict
        Saving is refused: attendance was recorded already.
    """
    event = records.get(store, Event, event_id, actor)
    try:
        plan = make_plan(store, engine, event_id, request.controls())
    except (PlanningError, ValueError) as exc:
        raise InvalidInput.of(
            "controls", str(exc), dutch=getattr(exc, "dutch", None) or None
        ) from None
    # the plan is printed for the hosts; without the health permission, limits stay with the RM
    data = plan.to_dict(include_limits=actor.sees_health)
    # the planner vetoes candidates without consent for events; never show one regardless
    allowed = consenting(store, set(plan.invited) | set(plan.reserves), event.municipality)
    data["invited"] = [c for c in data["invited"] if c in allowed]
    data["reserves"] = [c for c in data["reserves"] if c in allowed]
    data["assignments"] = [a for a in data["assignments"] if a["candidate_id"] in allowed]
    data["chances"] = [c for c in data["chances"] if c["candidate_id"] in allowed]
    saved = None
    if request.save:
        try:
            saved = save_plan(store, plan, actor=actor.username)
        except PlanningError as exc:
            raise Conflict(str(exc)) from None
    audit_ref = audit_log.new_ref()
    audit_log.log_entry(
        store,
        actor=actor.username,
        role=actor.role,
        municipality=event.municipality,
        action="event_plan_shown",
        subject_type="event",
        subject_id=event_id,
        inputs={"view": "plan", **request.logged()},
        model_version=plan.scored_by,
        ref=audit_ref,
        results={
            "invited": data["invited"],
            "assignments": [
                [a["round"], a["table"], a["candidate_id"]] for a in data["assignments"]
            ],
        },
    )
    return ShownPlan(plan=plan, shown=data, saved=saved, audit_ref=audit_ref)
