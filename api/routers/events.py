"""Events (prettig gesprek): the event and its tables, invitations, table plan, attendance.

Candidates without ``consent_events`` never appear in an invitation list or
table plan shown here, even when a stored invitation predates the withdrawal
of their consent; the answer says how many were held back. Every invitation
list and table plan shown is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, Field

from api.auth import Permission, User
from api.deps import Requires, ServicesDep, StoreDep, Today
from api.routers import _records as records
from api.routers._records import AUTH_ERRORS, ID_PATTERN, Page, invalid, responses
from matching.events.event_plan import EventPlan, PlanControls
from matching.events.event_planning import plan_event
from matching.events.event_records import record_event_attendance, save_plan
from matching.events.table_plan_problem import PlanningError
from matching.outcomes.recording import OutcomeError, record_follow_up
from matching.privacy import audit_log
from matching.records.enums import InvitationStatus
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    EventTable,
    Invitation,
    RecordId,
    TableMeeting,
)
from matching.records.storage import Store

router = APIRouter(prefix="/events", tags=["events"], responses=AUTH_ERRORS)

Reader = Requires(Permission.EVENTS_READ)
Writer = Requires(Permission.EVENTS_WRITE)
Recorder = Requires(Permission.OUTCOMES_WRITE)
EventId = Annotated[str, Path(pattern=ID_PATTERN, description="Event id")]

EventIn = records.input_model(Event)
EventPatch = records.patch_model(Event)

EXAMPLE = {
    "id": "EV10",
    "date": "2026-03-12",
    "place": "Zorggroep De Linde, Tilburg",
    "postcode": "5041AA",
    "rounds": 3,
    "minutes_per_round": 20,
    "max_candidates": 30,
}


class TableIn(BaseModel):
    id: RecordId
    employer_id: RecordId
    seats: Annotated[int, Field(ge=1, le=50)]


class EventDetail(BaseModel):
    event: Event
    tables: list[EventTable]
    employers: dict[str, str] = Field(description="Employer id -> name, for the tables.")
    invitations: int
    meetings: int


class InvitationOut(BaseModel):
    candidate_id: str
    status: InvitationStatus
    attended: bool | None


class InvitationListOut(BaseModel):
    event_id: str
    invitations: list[InvitationOut]
    held_back_no_consent: int = Field(
        description="Stored invitations not shown: the candidate withdrew consent for events."
    )


class SeatOut(BaseModel):
    meeting_id: str
    candidate_id: str
    follow_up: bool


class TableRoundOut(BaseModel):
    table_id: str
    employer_id: str
    employer_name: str | None
    seats: int
    candidates: list[SeatOut]


class RoundOut(BaseModel):
    round: int
    tables: list[TableRoundOut]


class TablePlanOut(BaseModel):
    event_id: str
    rounds: list[RoundOut]
    held_back_no_consent: int


class AttendanceIn(BaseModel):
    attended: dict[Annotated[str, Field(pattern=ID_PATTERN)], bool] = Field(
        description="Candidate id -> came (true) or did not come (false).", max_length=5000
    )


class FollowUpIn(BaseModel):
    follow_up: bool


IdList = Annotated[list[Annotated[str, Field(pattern=ID_PATTERN)]], Field(max_length=5000)]


class PlanIn(BaseModel):
    """The organiser's controls; everything is optional."""

    candidate_ids: IdList | None = Field(
        None, description="The pool to invite from; default every candidate of the municipality."
    )
    must_invite: IdList = Field(default_factory=list)
    never_invite: IdList = Field(default_factory=list)
    max_events_per_period: Annotated[int, Field(ge=1, le=100)] | None = Field(
        None, description="Skip candidates invited this often in the period before the event."
    )
    period_months: Annotated[int, Field(ge=1, le=36)] = 3
    recency_decay: Annotated[float, Field(gt=0, le=1)] = 0.7
    rounds_per_candidate: Annotated[int, Field(ge=1, le=20)] | None = None
    employer_weight: Annotated[float, Field(ge=0, le=1)] = 0.5
    n_reserves: Annotated[int, Field(ge=0, le=100)] = 5
    save: bool = Field(False, description="Store the invitations and planned meetings.")


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


def make_plan(store: Store, services: Any, user: User, event_id: str, body: PlanIn) -> EventPlanOut:
    """Plan (and optionally save) an event for ``user``; logged as shown."""
    records.get_or_404(store, Event, event_id, user)
    try:
        controls = PlanControls(
            candidate_ids=tuple(body.candidate_ids) if body.candidate_ids is not None else None,
            must_invite=frozenset(body.must_invite),
            never_invite=frozenset(body.never_invite),
            max_events_per_period=body.max_events_per_period,
            period_months=body.period_months,
            recency_decay=body.recency_decay,
            rounds_per_candidate=body.rounds_per_candidate,
            employer_weight=body.employer_weight,
            n_reserves=body.n_reserves,
        )
        plan: EventPlan = plan_event(store, services.engine, event_id, controls)
    except (PlanningError, ValueError) as exc:
        raise invalid("controls", str(exc)) from None
    # the plan is printed for the hosts; without the health permission, limits stay with the RM
    data = plan.to_dict(include_limits=user.sees_health)
    # the planner vetoes candidates without consent for events; never show one regardless
    allowed = _consenting(store, set(plan.invited) | set(plan.reserves), user.municipality)
    data["invited"] = [c for c in data["invited"] if c in allowed]
    data["reserves"] = [c for c in data["reserves"] if c in allowed]
    data["assignments"] = [a for a in data["assignments"] if a["candidate_id"] in allowed]
    saved = None
    if body.save:
        try:
            saved = SavedOut(**save_plan(store, plan, actor=user.username).__dict__)
        except PlanningError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    audit_ref = audit_log.new_ref()
    audit_log.log_entry(
        store,
        actor=user.username,
        role=user.role.value,
        municipality=user.municipality,
        action="event_plan_shown",
        subject_type="event",
        subject_id=event_id,
        inputs={"view": "plan", **body.model_dump()},
        model_version=plan.scored_by,
        ref=audit_ref,
        results={
            "invited": data["invited"],
            "assignments": [
                [a["round"], a["table"], a["candidate_id"]] for a in data["assignments"]
            ],
        },
    )
    return EventPlanOut(
        **{k: v for k, v in data.items() if k in EventPlanOut.model_fields},
        saved=saved,
        audit_ref=audit_ref,
    )


def _consenting(store: Store, ids: set[str], municipality: str) -> set[str]:
    if not ids:
        return set()
    found = store.list(Candidate, municipality=municipality, where={"id": sorted(ids)})
    return {c.id for c in found if c.consent_events}


def invitation_list(store: Store, user: User, event_id: str) -> InvitationListOut:
    """The invitations of an event as shown to ``user``, logged."""
    records.get_or_404(store, Event, event_id, user)
    stored = store.list(Invitation, municipality=user.municipality, where={"event_id": event_id})
    allowed = _consenting(store, {i.candidate_id for i in stored}, user.municipality)
    shown = [
        InvitationOut(candidate_id=i.candidate_id, status=i.status, attended=i.attended)
        for i in stored
        if i.candidate_id in allowed
    ]
    audit_log.log_entry(
        store,
        actor=user.username,
        role=user.role.value,
        municipality=user.municipality,
        action="event_plan_shown",
        subject_type="event",
        subject_id=event_id,
        inputs={"view": "invitations"},
        results=[i.candidate_id for i in shown],
    )
    return InvitationListOut(
        event_id=event_id, invitations=shown, held_back_no_consent=len(stored) - len(shown)
    )


def table_plan(store: Store, user: User, event_id: str) -> TablePlanOut:
    """The stored table plan of an event, per round and table, as shown to ``user``; logged."""
    records.get_or_404(store, Event, event_id, user)
    tables = store.list(EventTable, municipality=user.municipality, where={"event_id": event_id})
    meetings = store.list(
        TableMeeting, municipality=user.municipality, where={"event_id": event_id}
    )
    allowed = _consenting(store, {m.candidate_id for m in meetings}, user.municipality)
    names = {
        e.id: e.name
        for e in store.list(
            Employer,
            municipality=user.municipality,
            where={"id": sorted({t.employer_id for t in tables})},
        )
    }
    rounds = sorted({m.round for m in meetings})
    shown = [m for m in meetings if m.candidate_id in allowed]
    plan = [
        RoundOut(
            round=r,
            tables=[
                TableRoundOut(
                    table_id=t.id,
                    employer_id=t.employer_id,
                    seats=t.seats,
                    employer_name=names.get(t.employer_id),
                    candidates=[
                        SeatOut(meeting_id=m.id, candidate_id=m.candidate_id, follow_up=m.follow_up)
                        for m in shown
                        if m.round == r and m.table_id == t.id
                    ],
                )
                for t in tables
            ],
        )
        for r in rounds
    ]
    audit_log.log_entry(
        store,
        actor=user.username,
        role=user.role.value,
        municipality=user.municipality,
        action="event_plan_shown",
        subject_type="event",
        subject_id=event_id,
        inputs={"view": "table_plan"},
        results=[[m.round, m.table_id, m.candidate_id] for m in shown],
    )
    return TablePlanOut(
        event_id=event_id, rounds=plan, held_back_no_consent=len(meetings) - len(shown)
    )


def event_detail(store: Store, user: User, event_id: str) -> EventDetail:
    event = records.get_or_404(store, Event, event_id, user)
    tables = store.list(EventTable, municipality=user.municipality, where={"event_id": event_id})
    names = {
        e.id: e.name
        for e in store.list(
            Employer,
            municipality=user.municipality,
            where={"id": sorted({t.employer_id for t in tables})},
        )
    }
    counts = records.referrers(store, Event, event_id)
    return EventDetail(
        event=event,
        tables=tables,
        employers=names,
        invitations=counts.get("invitations", 0),
        meetings=counts.get("meetings", 0),
    )


@router.get("", summary="List events", response_model=Page[Event])
def list_events(
    store: StoreDep,
    user: Reader,
    q: Annotated[str | None, Query(max_length=200, description="Words in id or place.")] = None,
    limit: Annotated[int, Query(ge=1, le=records.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    found, total = records.search(
        store,
        Event,
        municipality=user.municipality,
        q=q,
        search_fields=("id", "place"),
        limit=limit,
        offset=offset,
    )
    return Page(items=found, total=total, limit=limit, offset=offset)


@router.get(
    "/{event_id}",
    summary="An event with its tables",
    response_model=EventDetail,
    responses=responses(404),
)
def get_event(event_id: EventId, store: StoreDep, user: Reader) -> Any:
    return event_detail(store, user, event_id)


@router.post(
    "",
    summary="Plan a new event",
    status_code=status.HTTP_201_CREATED,
    response_model=Event,
    responses=responses(409, 413),
)
def create_event(
    store: StoreDep,
    user: Writer,
    body: Annotated[
        EventIn,
        Body(
            openapi_examples={
                "gesprek": {"summary": "A prettig gesprek at an employer", "value": EXAMPLE}
            }
        ),
    ],
) -> Any:
    return records.create(store, Event, body, user)


@router.patch(
    "/{event_id}", summary="Change an event", response_model=Event, responses=responses(404, 413)
)
def patch_event(
    event_id: EventId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        EventPatch,
        Body(
            openapi_examples={
                "rondes": {"summary": "One more round", "value": {"rounds": 4}}
            }
        ),
    ],
) -> Any:
    return records.patch(store, Event, event_id, body, user)


@router.delete(
    "/{event_id}",
    summary="Delete an event",
    status_code=204,
    response_class=Response,
    responses=responses(404, 409),
)
def delete_event(event_id: EventId, store: StoreDep, user: Writer) -> Response:
    """Its tables go with it; refused (409) once candidates are invited or outcomes refer to it."""
    records.delete(store, Event, event_id, user, cascade=(EventTable,))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{event_id}/tables",
    summary="Add an employer's table",
    status_code=status.HTTP_201_CREATED,
    response_model=EventTable,
    responses=responses(404, 409, 413),
)
def add_table(
    event_id: EventId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        TableIn,
        Body(
            openapi_examples={
                "tafel": {
                    "summary": "Six seats for one employer",
                    "value": {"id": "EV10-T1", "employer_id": "E2001", "seats": 6},
                }
            }
        ),
    ],
) -> Any:
    records.get_or_404(store, Event, event_id, user)
    table = records.input_model(EventTable)(**body.model_dump(), event_id=event_id)
    return records.create(store, EventTable, table, user)


@router.delete(
    "/{event_id}/tables/{table_id}",
    summary="Remove a table",
    status_code=204,
    response_class=Response,
    responses=responses(404, 409),
)
def remove_table(
    event_id: EventId,
    table_id: Annotated[str, Path(pattern=ID_PATTERN)],
    store: StoreDep,
    user: Writer,
) -> Response:
    table = records.get_or_404(store, EventTable, table_id, user)
    if table.event_id != event_id:
        raise records.not_found(EventTable, table_id)
    records.delete(store, EventTable, table_id, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{event_id}/plan",
    summary="Plan invitations and tables",
    response_model=EventPlanOut,
    responses=responses(404, 409, 413),
)
def post_plan(
    event_id: EventId,
    store: StoreDep,
    services: ServicesDep,
    user: Writer,
    body: Annotated[
        PlanIn,
        Body(
            openapi_examples={
                "standaard": {"summary": "Plan from the whole caseload", "value": {}},
                "opslaan": {
                    "summary": "Spread invitations and save the plan",
                    "value": {"max_events_per_period": 2, "never_invite": ["C1003"], "save": True},
                },
            }
        ),
    ],
) -> Any:
    """Whom to invite and who sits at which employer's table in which round: nobody twice at
    the same table, every candidate their turns, scored in both directions by the model in
    service. Candidates without consent for events are never planned. With `save`, the
    invitations and planned meetings are stored (refused, 409, once attendance is recorded).
    Logged as shown."""
    return make_plan(store, services, user, event_id, body)


@router.get(
    "/{event_id}/invitations",
    summary="Invitation list",
    response_model=InvitationListOut,
    responses=responses(404),
)
def get_invitations(event_id: EventId, store: StoreDep, user: Reader) -> Any:
    """Only candidates who consent to events; logged as shown."""
    return invitation_list(store, user, event_id)


@router.get(
    "/{event_id}/table-plan",
    summary="Table plan per round",
    response_model=TablePlanOut,
    responses=responses(404),
)
def get_table_plan(event_id: EventId, store: StoreDep, user: Reader) -> Any:
    """Who sits at which employer's table in which round; logged as shown."""
    return table_plan(store, user, event_id)


@router.put(
    "/{event_id}/attendance",
    summary="Record who came",
    response_model=list[Invitation],
    responses=responses(404, 413),
)
def put_attendance(
    event_id: EventId,
    store: StoreDep,
    user: Recorder,
    today: Today,
    body: Annotated[
        AttendanceIn,
        Body(
            openapi_examples={
                "aanwezig": {
                    "summary": "Two came, one did not",
                    "value": {"attended": {"C1001": True, "C1002": True, "C1003": False}},
                }
            }
        ),
    ],
) -> Any:
    """Only after the event date, only for invited candidates; candidates left out are not
    changed. Planned meetings of candidates who did not come are removed (restored if
    corrected), so the stored meetings are the conversations that were held."""
    records.get_or_404(store, Event, event_id, user)
    present = [c for c, came in body.attended.items() if came]
    absent = [c for c, came in body.attended.items() if not came]
    try:
        record_event_attendance(
            store, event_id, present, absent, rest_absent=False, today=today, actor=user.username
        )
    except OutcomeError as exc:
        raise invalid(exc.field, exc.message) from None
    stored = store.list(Invitation, municipality=user.municipality, where={"event_id": event_id})
    return [i for i in stored if i.candidate_id in body.attended]


@router.put(
    "/{event_id}/meetings/{meeting_id}/follow-up",
    summary="Record a follow-up",
    response_model=TableMeeting,
    responses=responses(404, 413),
)
def put_follow_up(
    event_id: EventId,
    meeting_id: Annotated[str, Path(pattern=ID_PATTERN)],
    store: StoreDep,
    user: Recorder,
    today: Today,
    body: Annotated[
        FollowUpIn,
        Body(
            openapi_examples={
                "ja": {"summary": "Both want to talk again", "value": {"follow_up": True}}
            }
        ),
    ],
) -> Any:
    meeting = records.get_or_404(store, TableMeeting, meeting_id, user)
    if meeting.event_id != event_id:
        raise records.not_found(TableMeeting, meeting_id)
    try:
        return record_follow_up(
            store,
            meeting_id,
            body.follow_up,
            today=today,
            municipality=user.municipality,
            actor=user.username,
        )
    except OutcomeError as exc:
        raise invalid(exc.field, exc.message) from None
