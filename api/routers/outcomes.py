"""Outcomes (uitkomsten) and aftercare (nazorg) check-ins.

Recording goes through :mod:`matching.outcomes.recording` and :mod:`matching.outcomes.aftercare`,
which check every fact against the store and the calendar; their
:class:`~matching.outcomes.recording.OutcomeError` becomes a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, status
from pydantic import BaseModel, Field, create_model

from api.auth import Permission
from api.deps import Requires, StoreDep, Today
from api.routers import _records as records
from api.routers._records import AUTH_ERRORS, ID_PATTERN, Page, invalid, responses
from matching.outcomes import aftercare
from matching.outcomes.recording import (
    OutcomeError,
    correct_outcome,
    outcome_history,
    record_outcome,
)
from matching.records.enums import CheckInStatus, OutcomeKind
from matching.records.schemas import CheckIn, MunicipalityCode, Outcome, RecordId

router = APIRouter(tags=["outcomes"], responses=AUTH_ERRORS)

Reader = Requires(Permission.OUTCOMES_READ)
Writer = Requires(Permission.OUTCOMES_WRITE)
OutcomeId = Annotated[str, Path(pattern=ID_PATTERN, description="Outcome id")]

OutcomeIn = create_model(
    "OutcomeIn",
    __base__=Outcome,
    __doc__="A new outcome. id defaults to a new one, recorded_on to today, municipality to yours.",
    id=(RecordId | None, None),
    municipality=(MunicipalityCode | None, None),
    recorded_on=(dt.date | None, None),
)
OutcomePatch = records.patch_model(Outcome)

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


class OutcomeChangeOut(BaseModel):
    changed_at: str
    actor: str
    action: str
    changes: dict[str, list[Any]]


class DueCheckInOut(BaseModel):
    outcome_id: str
    candidate_id: str
    employer_id: str | None
    relationship_manager: str
    kind: str
    month: int
    due_date: dt.date
    days_overdue: int = Field(description="Negative: days until it is due.")
    state: str = Field(description="due or overdue")


def _invalid(exc: OutcomeError) -> Exception:
    return invalid(exc.field, exc.message)


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
    return records.get_or_404(store, Outcome, outcome_id, user)


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
        OutcomeIn,  # type: ignore[valid-type]
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
    values = body.model_dump(exclude_none=True)
    given = values.pop("municipality", None)
    if given is not None and given != user.municipality:
        raise invalid("municipality", f"you can only record outcomes of {user.municipality}")
    records.check_ids(store, Outcome, values, user.municipality)
    try:
        # the record's municipality is the candidate's, checked above to be the user's
        return record_outcome(
            store, today=today, municipality=user.municipality, actor=user.username, **values
        )
    except OutcomeError as exc:
        raise _invalid(exc) from None


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
        OutcomePatch,  # type: ignore[valid-type]
        Body(openapi_examples={"uren": {"summary": "Hours corrected", "value": {"hours": 20}}}),
    ],
) -> Any:
    """The old version stays in the history."""
    records.get_or_404(store, Outcome, outcome_id, user)
    changes = body.model_dump(exclude_unset=True)
    records.check_ids(store, Outcome, changes, user.municipality)
    try:
        return correct_outcome(
            store,
            outcome_id,
            today=today,
            municipality=user.municipality,
            actor=user.username,
            **changes,
        )
    except OutcomeError as exc:
        raise _invalid(exc) from None


@router.get(
    "/outcomes/{outcome_id}/history",
    summary="Corrections of an outcome",
    response_model=list[OutcomeChangeOut],
    responses=responses(404),
)
def get_outcome_history(outcome_id: OutcomeId, store: StoreDep, user: Reader) -> Any:
    records.get_or_404(store, Outcome, outcome_id, user)
    return [
        OutcomeChangeOut(
            changed_at=str(e.get("changed_at", "")),
            actor=str(e.get("actor", "")),
            action=str(e.get("action", "")),
            changes=e.get("changes", {}),
        )
        for e in outcome_history(store, outcome_id)
    ]


@router.get(
    "/outcomes/{outcome_id}/checkins",
    summary="Aftercare check-ins of a placement",
    response_model=list[CheckIn],
    responses=responses(404),
)
def list_checkins(outcome_id: OutcomeId, store: StoreDep, user: Reader) -> Any:
    records.get_or_404(store, Outcome, outcome_id, user)
    found = store.list(CheckIn, municipality=user.municipality, where={"outcome_id": outcome_id})
    return sorted(found, key=lambda c: (c.month, c.date))


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
    records.get_or_404(store, Outcome, outcome_id, user)
    try:
        return aftercare.record_checkin(
            store,
            outcome_id,
            month=body.month,
            date=body.date,
            status=body.status,
            today=today,
            hours=body.hours,
            reason=body.reason,
            municipality=user.municipality,
            actor=user.username,
        )
    except OutcomeError as exc:
        raise _invalid(exc) from None


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
    items = aftercare.due_checkins(store, today, user.municipality, window_days=window_days)
    if relationship_manager is not None:
        items = [i for i in items if i.relationship_manager == relationship_manager]
    return [
        DueCheckInOut(**{k: v for k, v in i.__dict__.items() if k != "municipality"}) for i in items
    ]
