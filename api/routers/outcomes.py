"""Outcomes (uitkomsten) and aftercare (nazorg) check-ins (use cases: :mod:`services.outcomes`).

Every fact is checked against the store and the calendar; a refused one is a
422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, status
from pydantic import BaseModel, Field, create_model

from api.auth import Permission, User
from api.deps import StoreDep, Today, require
from api.openapi import AUTH_ERRORS, ID_PATTERN, responses
from matching.records.enums import CheckInStatus, OutcomeKind
from matching.records.schemas import CheckIn, MunicipalityCode, Outcome, RecordId
from services import outcomes, record_models, records
from services.outcomes import DueCheckInOut, OutcomeChangeOut
from services.record_models import Page

router = APIRouter(tags=["outcomes"], responses=AUTH_ERRORS)

Reader = Annotated[User, Depends(require(Permission.OUTCOMES_READ))]
Writer = Annotated[User, Depends(require(Permission.OUTCOMES_WRITE))]
HistoryReader = Annotated[User, Depends(require(Permission.RECORD_HISTORY))]
OutcomeId = Annotated[str, Path(pattern=ID_PATTERN, description="Outcome id")]

if TYPE_CHECKING:
    OutcomeIn = Outcome
    OutcomePatch = BaseModel
else:
    OutcomeIn = create_model(
        "OutcomeIn",
        __base__=Outcome,
        __doc__="A new outcome. id defaults to a new one, recorded_on to today, "
        "municipality to yours.",
        id=(RecordId | None, None),
        municipality=(MunicipalityCode | None, None),
        recorded_on=(dt.date | None, None),
    )
    OutcomePatch = record_models.patch_model(Outcome)

EXAMPLE = {
    "candidate_id": "C1001",
    "employer_id": "E2001",
    "work_need_id": "W3001",
    "event_id": "EV10",
    "kind": "job",
    "contract_type": "fixed_12m",
    "hours": 24,
    "start_date": "2026-04-01",
    "wage_subsidy": False,
}


class CheckInIn(BaseModel):
    month: Annotated[int, Field(ge=1, le=24, description="Scheduled at 1, 3, 6 and 12 months.")]
    date: dt.date
    status: CheckInStatus
    hours: Annotated[int, Field(ge=0, le=60)] | None = None
    reason: Annotated[str, Field(max_length=4000)] = ""


@router.get("/outcomes", summary="List outcomes", response_model=Page[Outcome])
def list_outcomes(
    store: StoreDep,
    user: Reader,
    candidate_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    employer_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    event_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    kind: Annotated[OutcomeKind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=records.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    found, total = records.search(
        store,
        Outcome,
        municipality=user.municipality,
        filters={
            "candidate_id": candidate_id,
            "employer_id": employer_id,
            "event_id": event_id,
            "kind": kind,
        },
        limit=limit,
        offset=offset,
    )
    return Page(items=found, total=total, limit=limit, offset=offset)


@router.get(
    "/outcomes/{outcome_id}",
    summary="Get an outcome",
    response_model=Outcome,
    responses=responses(404),
)
def get_outcome(outcome_id: OutcomeId, store: StoreDep, user: Reader) -> Any:
    return records.get(store, Outcome, outcome_id, user.actor)


@router.post(
    "/outcomes",
    summary="Record an outcome",
    status_code=status.HTTP_201_CREATED,
    response_model=Outcome,
    responses=responses(413),
)
def create_outcome(
    store: StoreDep,
    user: Writer,
    today: Today,
    body: Annotated[
        OutcomeIn,
        Body(
            openapi_examples={
                "baan": {"summary": "A regular job after an event", "value": EXAMPLE},
                "vervolg": {
                    "summary": "A follow-up conversation",
                    "value": {"candidate_id": "C1001", "employer_id": "E2001", "kind": "follow_up"},
                },
            }
        ),
    ],
) -> Any:
    """Checked against the store and the calendar: ids must exist in your municipality,
    no date may lie in the future, placements need hours and a start date."""
    return outcomes.record(store, user.actor, body.model_dump(exclude_none=True), today=today)


@router.patch(
    "/outcomes/{outcome_id}",
    summary="Correct an outcome",
    response_model=Outcome,
    responses=responses(404, 413),
)
def patch_outcome(
    outcome_id: OutcomeId,
    store: StoreDep,
    user: Writer,
    today: Today,
    body: Annotated[
        OutcomePatch,
        Body(openapi_examples={"uren": {"summary": "Hours corrected", "value": {"hours": 20}}}),
    ],
) -> Any:
    """The old version stays in the history."""
    return outcomes.correct(
        store, user.actor, outcome_id, body.model_dump(exclude_unset=True), today=today
    )


@router.get(
    "/outcomes/{outcome_id}/history",
    summary="Corrections of an outcome",
    response_model=list[OutcomeChangeOut],
    responses=responses(404),
)
def get_outcome_history(outcome_id: OutcomeId, store: StoreDep, user: HistoryReader) -> Any:
    return outcomes.history(store, user.actor, outcome_id)


@router.get(
    "/outcomes/{outcome_id}/checkins",
    summary="Aftercare check-ins of a placement",
    response_model=list[CheckIn],
    responses=responses(404),
)
def list_checkins(outcome_id: OutcomeId, store: StoreDep, user: Reader) -> Any:
    return outcomes.checkins_of(store, user.actor, outcome_id)


@router.post(
    "/outcomes/{outcome_id}/checkins",
    summary="Record an aftercare check-in",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckIn,
    responses=responses(404, 413),
)
def create_checkin(
    outcome_id: OutcomeId,
    store: StoreDep,
    user: Writer,
    today: Today,
    body: Annotated[
        CheckInIn,
        Body(
            openapi_examples={
                "werkt": {
                    "summary": "Still working",
                    "value": {"month": 1, "date": "2026-05-02", "status": "working"},
                },
                "gestopt": {
                    "summary": "Stopped",
                    "value": {
                        "month": 3,
                        "date": "2026-07-01",
                        "status": "stopped",
                        "reason": "Werk was te zwaar.",
                    },
                },
            }
        ),
    ],
) -> Any:
    """Recording the same month again corrects the earlier check-in."""
    return outcomes.record_checkin(
        store,
        user.actor,
        outcome_id,
        month=body.month,
        date=body.date,
        status=body.status,
        today=today,
        hours=body.hours,
        reason=body.reason,
    )


@router.get(
    "/aftercare/due",
    summary="Aftercare check-ins due soon or overdue",
    response_model=list[DueCheckInOut],
)
def due(
    store: StoreDep,
    user: Reader,
    today: Today,
    window_days: Annotated[int, Query(ge=0, le=365)] = 14,
    relationship_manager: Annotated[str | None, Query(max_length=80)] = None,
) -> Any:
    """Most overdue first, per relationship manager."""
    items = outcomes.due_checkins(
        store,
        user.municipality,
        today=today,
        window_days=window_days,
        relationship_manager=relationship_manager,
    )
    return [outcomes.due_out(i) for i in items]
