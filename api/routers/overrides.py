"""Ranking overrides: a relationship manager pins or excludes a candidate for a work need
(use cases: :mod:`services.overrides`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, status
from pydantic import BaseModel, Field, StringConstraints

from api.auth import Permission, User
from api.deps import StoreDep, require
from api.openapi import AUTH_ERRORS, ID_PATTERN, responses
from services import overrides
from services.overrides import OverrideOut

router = APIRouter(prefix="/work-needs", tags=["overrides"], responses=AUTH_ERRORS)

Viewer = Annotated[User, Depends(require(Permission.SHORTLISTS_VIEW))]
Writer = Annotated[User, Depends(require(Permission.OVERRIDES_WRITE))]
WorkNeedId = Annotated[str, Path(pattern=ID_PATTERN, description="Work need id")]


class OverrideIn(BaseModel):
    candidate_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    kind: Literal["pin", "exclude"] = Field(
        description="pin: always at the top of this work need's shortlist; exclude: never on it."
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


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
) -> list[OverrideOut]:
    return overrides.list_overrides(
        store, user.actor, work_need_id, include_lifted=include_lifted
    )


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
) -> OverrideOut:
    """Replaces an earlier override for the same candidate. A candidate who has not consented
    to matching cannot be pinned."""
    return overrides.add_override(
        store,
        user.actor,
        work_need_id,
        candidate_id=body.candidate_id,
        kind=body.kind,
        reason=body.reason,
    )


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
) -> OverrideOut:
    return overrides.lift_override(store, user.actor, work_need_id, override_id)
