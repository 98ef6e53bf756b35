"""Ranking overrides: a relationship manager pins or excludes a candidate for a work need.

Overrides are stored and logged, shown with every later shortlist of the work
need, and applied to it: pinned candidates first, excluded ones left out
(listed separately with the reason).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Query, status
from pydantic import BaseModel, Field, StringConstraints

from api.auth import Permission
from api.deps import Requires, StoreDep
from api.routers import _records as records
from api.routers._records import AUTH_ERRORS, ID_PATTERN, responses
from matching.records.schemas import Candidate, WorkNeed
from matching.shortlists import overrides as override_store

router = APIRouter(prefix="/work-needs", tags=["overrides"], responses=AUTH_ERRORS)

Viewer = Requires(Permission.SHORTLISTS_VIEW)
Writer = Requires(Permission.OVERRIDES_WRITE)
WorkNeedId = Annotated[str, Path(pattern=ID_PATTERN, description="Work need id")]


class OverrideIn(BaseModel):
    candidate_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    kind: Literal["pin", "exclude"] = Field(
        description="pin: always at the top of this work need's shortlist; exclude: never on it."
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class OverrideOut(BaseModel):
    id: int
    work_need_id: str
    candidate_id: str
    kind: Literal["pin", "exclude"]
    reason: str
    actor: str = Field(description="Who made the override.")
    created_at: dt.datetime
    active: bool
    lifted_by: str | None = None
    lifted_at: dt.datetime | None = None


def override_out(o: override_store.Override) -> OverrideOut:
    return OverrideOut(**{k: v for k, v in o.__dict__.items() if k != "municipality"})


@router.get(
    "/{work_need_id}/overrides",
    summary="Overrides of a work need's ranking",
    response_model=list[OverrideOut],
    responses=responses(404),
)
def list_overrides(
    work_need_id: WorkNeedId,
    store: StoreDep,
    user: Viewer,
    include_lifted: Annotated[bool, Query(description="Also show lifted overrides.")] = False,
) -> Any:
    records.get_or_404(store, WorkNeed, work_need_id, user)
    return [
        override_out(o)
        for o in override_store.active_overrides(
            store, work_need_id, municipality=user.municipality, include_lifted=include_lifted
        )
    ]


@router.post(
    "/{work_need_id}/overrides",
    summary="Pin or exclude a candidate",
    status_code=status.HTTP_201_CREATED,
    response_model=OverrideOut,
    responses=responses(404, 413),
)
def add_override(
    work_need_id: WorkNeedId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        OverrideIn,
        Body(
            openapi_examples={
                "pin": {
                    "summary": "Pin a candidate",
                    "value": {
                        "candidate_id": "C1001",
                        "kind": "pin",
                        "reason": "Kent de werkgever al van een snuffelstage.",
                    },
                },
                "exclude": {
                    "summary": "Exclude a candidate",
                    "value": {
                        "candidate_id": "C1002",
                        "kind": "exclude",
                        "reason": "Heeft hier eerder gewerkt; geen goede ervaring.",
                    },
                },
            }
        ),
    ],
) -> Any:
    """Replaces an earlier override for the same candidate. A candidate who has not consented
    to matching cannot be pinned."""
    records.get_or_404(store, WorkNeed, work_need_id, user)
    candidate = store.get(Candidate, body.candidate_id, municipality=user.municipality)
    if candidate is None:
        raise records.invalid("candidate_id", f"candidate {body.candidate_id} not found")
    if body.kind == "pin" and not candidate.consent_matching:
        raise records.invalid(
            "candidate_id",
            f"candidate {body.candidate_id} has not consented to matching and cannot be pinned",
        )
    created = override_store.add_override(
        store,
        municipality=user.municipality,
        work_need_id=work_need_id,
        candidate_id=body.candidate_id,
        kind=body.kind,
        reason=body.reason,
        actor=user.username,
        role=user.role.value,
    )
    return override_out(created)


@router.delete(
    "/{work_need_id}/overrides/{override_id}",
    summary="Lift an override",
    response_model=OverrideOut,
    responses=responses(404),
)
def lift_override(
    work_need_id: WorkNeedId,
    override_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    store: StoreDep,
    user: Writer,
) -> Any:
    records.get_or_404(store, WorkNeed, work_need_id, user)
    lifted = override_store.lift_override(
        store,
        override_id,
        work_need_id=work_need_id,
        municipality=user.municipality,
        actor=user.username,
        role=user.role.value,
    )
    if lifted is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"active override {override_id} not found on {work_need_id}"
        )
    return override_out(lifted)
