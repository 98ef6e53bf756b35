"""Events (prettig gesprek): the event and its tables, invitations, table plan, attendance.

Candidates without ``consent_events`` never appear in an invitation list or
table plan shown here, even when a stored invitation predates the withdrawal
of their consent; the answer says how many were held back. Every invitation
list and table plan shown is written to the audit log.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status
from pydantic import BaseModel, Field

from api.auth import Permission, User
from api.deps import RuntimeDep, StoreDep, Today, require
from api.openapi import AUTH_ERRORS, ID_PATTERN, responses
from matching.records.schemas import Event, EventTable, Invitation, TableMeeting
from services import event_plans, events, record_models, records
from services.event_plans import EventPlanOut, PlanRequest
from services.events import EventDetail, InvitationListOut, TableIn, TablePlanOut
from services.record_models import Page

router = APIRouter(prefix="/events", tags=["events"], responses=AUTH_ERRORS)

Reader = Annotated[User, Depends(require(Permission.EVENTS_READ))]
Writer = Annotated[User, Depends(require(Permission.EVENTS_WRITE))]
Recorder = Annotated[User, Depends(require(Permission.OUTCOMES_WRITE))]
EventId = Annotated[str, Path(pattern=ID_PATTERN, description="Event id")]

if TYPE_CHECKING:
    EventIn = Event
    EventPatch = BaseModel
else:
    EventIn = record_models.input_model(Event)
    EventPatch = record_models.patch_model(Event)

EXAMPLE = {
    "id": "EV10",
    "date": "2026-03-12",
    "place": "Zorggroep De Linde, Tilburg",
    "postcode": "5041AA",
    "rounds": 3,
    "minutes_per_round": 20,
    "max_candidates": 30,
}


class AttendanceIn(BaseModel):
    attended: dict[Annotated[str, Field(pattern=ID_PATTERN)], bool] = Field(
        description="Candidate id -> came (true) or did not come (false).",
        max_length=5000,
        json_schema_extra={"additionalProperties": False},  # keys must be ids
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
    exploration_share: Annotated[float, Field(ge=0, le=0.5)] = Field(
        0.1,
        description="Share of the free places given to eligible candidates drawn at random "
        "(exploration seats, recorded as such), so the ranker keeps learning; 0 turns it off.",
    )
    invite_by: Literal["chance", "net", "value"] = Field(
        "chance",
        description="What the invitation list maximises: `chance` (the best chances of good "
        "conversations), `net` (the difference the invitation makes: chance if invited times "
        "one minus the chance of finding work anyway within 6 months) or `value` (social "
        "value: the net effect times what a good outcome is worth for the candidate, from the "
        "default SROI price list, minus the invitation's cost).",
    )
    save: bool = Field(False, description="Store the invitations and planned meetings.")

    def request(self) -> PlanRequest:
        return PlanRequest(
            candidate_ids=tuple(self.candidate_ids) if self.candidate_ids is not None else None,
            must_invite=tuple(self.must_invite),
            never_invite=tuple(self.never_invite),
            max_events_per_period=self.max_events_per_period,
            period_months=self.period_months,
            recency_decay=self.recency_decay,
            rounds_per_candidate=self.rounds_per_candidate,
            employer_weight=self.employer_weight,
            n_reserves=self.n_reserves,
            exploration_share=self.exploration_share,
            invite_by=self.invite_by,
            save=self.save,
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
        store, Event, municipality=user.municipality, q=q, limit=limit, offset=offset
    )
    return Page(items=found, total=total, limit=limit, offset=offset)


@router.get(
    "/{event_id}",
    summary="An event with its tables",
    response_model=EventDetail,
    responses=responses(404),
)
def get_event(event_id: EventId, store: StoreDep, user: Reader) -> Any:
    return events.event_detail(store, user.actor, event_id)


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
    return records.create(store, Event, body, user.actor)


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
    return records.patch(store, Event, event_id, body, user.actor)


@router.delete(
    "/{event_id}",
    summary="Delete an event",
    status_code=204,
    response_class=Response,
    responses=responses(404, 409),
)
def delete_event(event_id: EventId, store: StoreDep, user: Writer) -> Response:
    """Its tables go with it; refused (409) once candidates are invited or outcomes refer to it."""
    records.delete(store, Event, event_id, user.actor, cascade=(EventTable,))
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
    return events.add_table(store, user.actor, event_id, body)


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
    events.remove_table(store, user.actor, event_id, table_id)
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
    runtime: RuntimeDep,
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
    request = dataclasses.replace(body.request(), **runtime.config.valuation)
    return event_plans.plan_event(store, runtime.engine, user.actor, event_id, request).out()


@router.get(
    "/{event_id}/invitations",
    summary="Invitation list",
    response_model=InvitationListOut,
    responses=responses(404),
)
def get_invitations(event_id: EventId, store: StoreDep, user: Reader) -> Any:
    """Only candidates who consent to events; logged as shown."""
    return events.invitation_list(store, user.actor, event_id)


@router.get(
    "/{event_id}/hosts",
    summary="Invitations to host",
    response_model=list[events.HostInvitationOut],
    responses=responses(404),
)
def get_host_invitations(event_id: EventId, store: StoreDep, user: Reader) -> Any:
    """Per employer with a table: its contact person and an invitation to host, in Dutch."""
    return events.host_invitations(store, user.actor, event_id)


@router.get(
    "/{event_id}/table-plan",
    summary="Table plan per round",
    response_model=TablePlanOut,
    responses=responses(404),
)
def get_table_plan(event_id: EventId, store: StoreDep, user: Reader) -> Any:
    """Who sits at which employer's table in which round; logged as shown."""
    return events.table_plan(store, user.actor, event_id)


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
    present = [c for c, came in body.attended.items() if came]
    absent = [c for c, came in body.attended.items() if not came]
    events.record_attendance(
        store, user.actor, event_id, present, absent, rest_absent=False, today=today
    )
    return events.invitations_of(store, user.actor, event_id, body.attended)


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
    return events.record_meeting_follow_up(
        store, user.actor, meeting_id, body.follow_up, today=today, event_id=event_id
    )
