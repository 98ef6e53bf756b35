"""Shortlists in both directions: ``GET /shortlists/work-needs/{id}`` and
``GET /shortlists/candidates/{id}``; the use case is
:class:`services.shortlists.ShortlistService` (overrides applied, every list
shown written to the audit log).

The routes are coroutines: a cached shortlist is answered on the event loop.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import Permission, User
from api.deps import ShortlistsDep, require
from api.openapi import AUTH_ERRORS, ID_PATTERN, responses
from services.shortlists import ShortlistOut

router = APIRouter(prefix="/shortlists", tags=["shortlists"], responses=AUTH_ERRORS)

Viewer = Annotated[User, Depends(require(Permission.SHORTLISTS_VIEW))]
K = Annotated[int, Query(ge=1, le=100, description="How many matches to return.")]
Contributions = Annotated[
    bool,
    Query(
        description="Also return each match's per-feature contributions to the ranking score "
        "(score units; the reason already says what they mean). Staff view only."
    ),
]


def _json(out: ShortlistOut) -> Response:
    # already a validated ShortlistOut: skip FastAPI's second validation of the answer
    return Response(out.model_dump_json(), media_type="application/json")


@router.get(
    "/work-needs/{work_need_id}",
    summary="Candidates for a work need",
    response_model=ShortlistOut,
    responses=responses(404, 409),
)
async def for_work_need(
    work_need_id: Annotated[str, Path(pattern=ID_PATTERN)],
    shortlists: ShortlistsDep,
    user: Viewer,
    k: K = 10,
    audience: Annotated[
        Literal["staff", "employer"],
        Query(
            description="'employer': a list to show the employer — only candidates who "
            "consented to being shown to employers, no health details, no internal notes."
        ),
    ] = "staff",
    contributions: Contributions = False,
    sort: Annotated[
        Literal["chance", "net"],
        Query(
            description="'chance': by the ranker (default). 'net': by the difference meeting "
            "makes, (1 - chance of finding work anyway) * chance; staff lists only."
        ),
    ] = "chance",
    scope: Annotated[
        Literal["municipality", "region"],
        Query(
            description="'municipality': the municipality's own candidates (default). "
            "'region': also those the labour-market region's other municipalities share "
            "(candidates who consented to regional sharing; shown without health or contact "
            "details, marked `shared_by_region`; each of those municipalities' audit logs "
            "records the view). 409 when the municipality is in no region with others."
        ),
    ] = "municipality",
) -> Response:
    """Hard vetoes, retrieval, the ranker's calibrated chance and a Dutch reason per match;
    relationship managers' pins come first and exclusions are left out (listed with reason).
    Every list shown is written to the audit log."""
    out = await shortlists.for_work_need(
        user.actor, work_need_id, k=k, audience=audience, contributions=contributions, sort=sort,
        scope=scope,
    )
    return _json(out)


@router.get(
    "/candidates/{candidate_id}",
    summary="Employers (work needs) for a candidate",
    response_model=ShortlistOut,
    responses=responses(404, 409),
)
async def for_candidate(
    candidate_id: Annotated[str, Path(pattern=ID_PATTERN)],
    shortlists: ShortlistsDep,
    user: Viewer,
    k: K = 10,
    one_per_employer: Annotated[
        bool, Query(description="Only each employer's best work need.")
    ] = True,
    contributions: Contributions = False,
    scope: Annotated[
        Literal["municipality", "region"],
        Query(
            description="'municipality': the municipality's own open work needs (default). "
            "'region': also those of the labour-market region's other municipalities, travel "
            "checked as for the own. 409 when the municipality is in no region with others."
        ),
    ] = "municipality",
) -> Response:
    """The work needs this candidate is most worth meeting, best first; logged."""
    out = await shortlists.for_candidate(
        user.actor, candidate_id, k=k, one_per_employer=one_per_employer,
        contributions=contributions, scope=scope,
    )
    return _json(out)
