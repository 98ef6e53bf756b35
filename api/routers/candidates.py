"""Candidates (kandidaten): search, read, create, change, erase, history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from api.auth import Permission, User
from api.deps import AuditWriterDep, RuntimeDep, ShortlistCacheDep, StoreDep, require
from api.openapi import AUTH_ERRORS, ID_PATTERN, responses
from matching.records.enums import CandidateStatus
from matching.records.schemas import Candidate
from services import erasure, record_models, records, subject_access
from services.erasure import ErasureOut
from services.record_models import CandidateOut, ChangeOut, Page

router = APIRouter(prefix="/candidates", tags=["candidates"], responses=AUTH_ERRORS)

Reader = Annotated[User, Depends(require(Permission.CANDIDATES_READ))]
Writer = Annotated[User, Depends(require(Permission.CANDIDATES_WRITE))]
Eraser = Annotated[User, Depends(require(Permission.CANDIDATES_ERASE))]
Exporter = Annotated[User, Depends(require(Permission.CANDIDATES_EXPORT))]
HistoryReader = Annotated[User, Depends(require(Permission.RECORD_HISTORY))]
CandidateId = Annotated[str, Path(pattern=ID_PATTERN, description="Candidate id")]

if TYPE_CHECKING:
    CandidateIn = Candidate
    CandidatePatch = BaseModel
else:
    CandidateIn = record_models.input_model(Candidate)
    CandidatePatch = record_models.patch_model(Candidate)

EXAMPLE: dict[str, Any] = {
    "id": "C1001",
    "age_band": "25-44",
    "education": "mbo2",
    "benefit_type": "bijstand",
    "benefit_months": 18,
    "rung": 4,
    "language_level": "B1",
    "postcode": "5038AB",
    "lat": 51.56,
    "lon": 5.08,
    "mobility": "bike",
    "max_travel_km": 10,
    "hours_min": 16,
    "hours_max": 32,
    "prior_paid_work": True,
    "limits": ["heavy_lifting"],
    "wishes": "Ik wil graag in de zorg werken, bijvoorbeeld als helpende.",
    "motivation": "Ik wil weer meedoen en collega's hebben.",
    "interests": "koken, wandelen",
    "strengths": "geduldig, betrouwbaar",
    "help_needed": "Een vaste begeleider in de eerste weken.",
    "consent_share_employers": True,
    "consent_events": True,
    "relationship_manager": "rm.jansen",
}


@router.get("", summary="Search candidates", response_model=Page[CandidateOut])
def list_candidates(
    store: StoreDep,
    user: Reader,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words that must all occur in id, postcode, "
            "relationship manager, wishes, motivation, interests or strengths.",
        ),
    ] = None,
    status_: Annotated[CandidateStatus | None, Query(alias="status")] = None,
    relationship_manager: Annotated[str | None, Query(max_length=80)] = None,
    rung: Annotated[int | None, Query(ge=1, le=6)] = None,
    limit: Annotated[int, Query(ge=1, le=records.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[Any]:
    """Candidates of your municipality, ordered by id. Health fields (`limits`,
    `help_needed`) are null for roles that may not see them."""
    found, total = records.search(
        store,
        Candidate,
        municipality=user.municipality,
        q=q,
        filters={"status": status_, "relationship_manager": relationship_manager, "rung": rung},
        limit=limit,
        offset=offset,
    )
    return Page(
        items=[record_models.candidate_view(c, user.actor) for c in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/{candidate_id}",
    summary="Get a candidate",
    response_model=CandidateOut,
    responses=responses(404),
)
def get_candidate(candidate_id: CandidateId, store: StoreDep, user: Reader) -> Any:
    actor = user.actor
    return record_models.candidate_view(records.get(store, Candidate, candidate_id, actor), actor)


@router.post(
    "",
    summary="Register a candidate",
    status_code=status.HTTP_201_CREATED,
    response_model=CandidateOut,
    responses=responses(409, 413),
)
def create_candidate(
    store: StoreDep,
    user: Writer,
    body: Annotated[
        CandidateIn,
        Body(
            openapi_examples={
                "helpende": {"summary": "A candidate for care work", "value": EXAMPLE}
            }
        ),
    ],
) -> Any:
    """Validated by the domain record; the change is kept in the history with you as actor.
    An id that is in use (in any municipality) or that belonged to an erased candidate
    answers 409 with the same message, which does not say which."""
    actor = user.actor
    return record_models.candidate_view(records.create(store, Candidate, body, actor), actor)


@router.put(
    "/{candidate_id}",
    summary="Replace a candidate",
    response_model=CandidateOut,
    responses=responses(404, 413),
)
def replace_candidate(
    candidate_id: CandidateId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        CandidateIn,
        Body(openapi_examples={"helpende": {"summary": "The whole record", "value": EXAMPLE}}),
    ],
) -> Any:
    actor = user.actor
    return record_models.candidate_view(
        records.replace(store, Candidate, candidate_id, body, actor), actor
    )


@router.patch(
    "/{candidate_id}",
    summary="Change fields of a candidate",
    response_model=CandidateOut,
    responses=responses(404, 413),
)
def patch_candidate(
    candidate_id: CandidateId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        CandidatePatch,
        Body(
            openapi_examples={
                "uren": {"summary": "More hours available", "value": {"hours_max": 36}},
                "toestemming": {
                    "summary": "Consent withdrawn for events",
                    "value": {"consent_events": False},
                },
            }
        ),
    ],
) -> Any:
    actor = user.actor
    return record_models.candidate_view(records.patch(store, Candidate, candidate_id, body, actor), actor)


@router.delete(
    "/{candidate_id}",
    summary="Erase a candidate (right to be forgotten)",
    response_model=ErasureOut,
    responses=responses(404),
)
def erase(
    candidate_id: CandidateId,
    runtime: RuntimeDep,
    cache: ShortlistCacheDep,
    writer: AuditWriterDep,
    user: Eraser,
) -> ErasureOut:
    """Removes the candidate and every record that refers to them (invitations, meetings,
    outcomes, check-ins), clears their history rows, removes them from the vector index and
    caches, and keeps only a pseudonymous tombstone and audit entry. Cannot be undone."""
    return erasure.erase(runtime, writer, user.actor, candidate_id, caches=[cache])


@router.get(
    "/{candidate_id}/export",
    summary="Everything held about a candidate (right of access)",
    responses={**responses(404), 200: {"content": {"application/json": {}, "text/html": {}}}},
)
def export(
    candidate_id: CandidateId,
    runtime: RuntimeDep,
    user: Exporter,
    format: Annotated[
        Literal["json", "html"],
        Query(description="'json': every record, change, override and list they were in; "
              "'html': the same in plain Dutch, to print or send to them."),
    ] = "json",
) -> Response:
    """Every record about the candidate (following every reference), the change history of
    those records, overrides about them with their reasons, the lists they appeared in (their
    own line only, never anyone else's), what werkkans would suggest now and why, and how
    suggestions are made. Written to the audit log."""
    made = subject_access.export(runtime, user.actor, candidate_id)
    if format == "html":
        return HTMLResponse(made.html)
    return JSONResponse(made.data)


@router.get(
    "/{candidate_id}/history",
    summary="Change history of a candidate",
    response_model=list[ChangeOut],
    responses=responses(404),
)
def candidate_history(candidate_id: CandidateId, store: StoreDep, user: HistoryReader) -> Any:
    """Every change: who, when, before and after."""
    return records.history(store, Candidate, candidate_id, user.actor)
