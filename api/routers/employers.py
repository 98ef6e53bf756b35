"""Employers (werkgevers): search, read, create, change, delete, history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status
from pydantic import BaseModel

from api.auth import Permission, User
from api.deps import StoreDep, require
from api.openapi import AUTH_ERRORS, ID_PATTERN, responses
from matching.records.enums import SbiSection
from matching.records.schemas import Employer
from services import record_models, records
from services.record_models import ChangeOut, Page

router = APIRouter(prefix="/employers", tags=["employers"], responses=AUTH_ERRORS)

Reader = Annotated[User, Depends(require(Permission.EMPLOYERS_READ))]
Writer = Annotated[User, Depends(require(Permission.EMPLOYERS_WRITE))]
HistoryReader = Annotated[User, Depends(require(Permission.RECORD_HISTORY))]
EmployerId = Annotated[str, Path(pattern=ID_PATTERN, description="Employer id")]

if TYPE_CHECKING:
    EmployerIn = Employer
    EmployerPatch = BaseModel
else:
    EmployerIn = record_models.input_model(Employer)
    EmployerPatch = record_models.patch_model(Employer)

EXAMPLE: dict[str, Any] = {
    "id": "E2001",
    "name": "Zorggroep De Linde",
    "sbi_section": "Q",
    "size_class": "50-249",
    "postcode": "5041AA",
    "lat": 51.57,
    "lon": 5.07,
    "support_valued": ["job_coach", "trial_period"],
    "coaching_capacity": 2,
    "openness": 4,
    "ambassador": True,
    "first_contact": "2025-09-01",
    "relationship_manager": "rm.jansen",
}


@router.get("", summary="Search employers", response_model=Page[Employer])
def list_employers(
    store: StoreDep,
    user: Reader,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words that must all occur in id, name, postcode or relationship manager.",
        ),
    ] = None,
    sbi_section: Annotated[SbiSection | None, Query()] = None,
    relationship_manager: Annotated[str | None, Query(max_length=80)] = None,
    ambassador: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=records.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    found, total = records.search(
        store,
        Employer,
        municipality=user.municipality,
        q=q,
        filters={
            "sbi_section": sbi_section,
            "relationship_manager": relationship_manager,
            "ambassador": ambassador,
        },
        limit=limit,
        offset=offset,
    )
    return Page(items=found, total=total, limit=limit, offset=offset)


@router.get(
    "/{employer_id}", summary="Get an employer", response_model=Employer, responses=responses(404)
)
def get_employer(employer_id: EmployerId, store: StoreDep, user: Reader) -> Any:
    return records.get(store, Employer, employer_id, user.actor)


@router.post(
    "",
    summary="Register an employer",
    status_code=status.HTTP_201_CREATED,
    response_model=Employer,
    responses=responses(409, 413),
)
def create_employer(
    store: StoreDep,
    user: Writer,
    body: Annotated[
        EmployerIn,
        Body(openapi_examples={"zorg": {"summary": "A care organisation", "value": EXAMPLE}}),
    ],
) -> Any:
    return records.create(store, Employer, body, user.actor)


@router.put(
    "/{employer_id}",
    summary="Replace an employer",
    response_model=Employer,
    responses=responses(404, 413),
)
def replace_employer(
    employer_id: EmployerId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        EmployerIn,
        Body(openapi_examples={"zorg": {"summary": "The whole record", "value": EXAMPLE}}),
    ],
) -> Any:
    return records.replace(store, Employer, employer_id, body, user.actor)


@router.patch(
    "/{employer_id}",
    summary="Change fields of an employer",
    response_model=Employer,
    responses=responses(404, 413),
)
def patch_employer(
    employer_id: EmployerId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        EmployerPatch,
        Body(
            openapi_examples={
                "ambassadeur": {
                    "summary": "Became an ambassador",
                    "value": {"ambassador": True, "openness": 5},
                }
            }
        ),
    ],
) -> Any:
    return records.patch(store, Employer, employer_id, body, user.actor)


@router.delete(
    "/{employer_id}",
    summary="Delete an employer",
    status_code=204,
    response_class=Response,
    responses=responses(404, 409),
)
def delete_employer(employer_id: EmployerId, store: StoreDep, user: Writer) -> Response:
    """Refused (409) while work needs, event tables, meetings or outcomes refer to it."""
    records.delete(store, Employer, employer_id, user.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{employer_id}/history",
    summary="Change history of an employer",
    response_model=list[ChangeOut],
    responses=responses(404),
)
def employer_history(employer_id: EmployerId, store: StoreDep, user: HistoryReader) -> Any:
    return records.history(store, Employer, employer_id, user.actor)
