"""Work needs (werkvragen): search, read, create, change, delete, history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status
from pydantic import BaseModel

from api.auth import Permission, User
from api.deps import StoreDep, require
from api.openapi import AUTH_ERRORS, ID_PATTERN, responses
from matching.records.enums import ContractForm
from matching.records.schemas import WorkNeed
from services import record_models, records
from services.record_models import ChangeOut, Page

router = APIRouter(prefix="/work-needs", tags=["work needs"], responses=AUTH_ERRORS)

Reader = Annotated[User, Depends(require(Permission.WORK_NEEDS_READ))]
Writer = Annotated[User, Depends(require(Permission.WORK_NEEDS_WRITE))]
HistoryReader = Annotated[User, Depends(require(Permission.RECORD_HISTORY))]
WorkNeedId = Annotated[str, Path(pattern=ID_PATTERN, description="Work need id")]

if TYPE_CHECKING:
    WorkNeedIn = WorkNeed
    WorkNeedPatch = BaseModel
else:
    WorkNeedIn = record_models.input_model(WorkNeed)
    WorkNeedPatch = record_models.patch_model(WorkNeed)

EXAMPLE: dict[str, Any] = {
    "id": "W3001",
    "employer_id": "E2001",
    "title": "Helpende in de ouderenzorg",
    "description": "Je helpt bewoners bij de dagelijkse verzorging en de maaltijden.",
    "hours_min": 16,
    "hours_max": 24,
    "contract_form": "wep",
    "requirements": "Geduld en een vriendelijke houding.",
    "demands": ["long_standing", "customer_contact"],
    "adaptable": ["long_standing"],
    "min_language_level": "A2",
    "places": 2,
    "open": True,
    "created_on": "2026-01-15",
}


@router.get("", summary="Search work needs", response_model=Page[WorkNeed])
def list_work_needs(
    store: StoreDep,
    user: Reader,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words that must all occur in id, title, description or requirements.",
        ),
    ] = None,
    employer_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    open_: Annotated[bool | None, Query(alias="open")] = None,
    contract_form: Annotated[ContractForm | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=records.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    found, total = records.search(
        store,
        WorkNeed,
        municipality=user.municipality,
        q=q,
        filters={"employer_id": employer_id, "open": open_, "contract_form": contract_form},
        limit=limit,
        offset=offset,
    )
    return Page(items=found, total=total, limit=limit, offset=offset)


@router.get(
    "/{work_need_id}", summary="Get a work need", response_model=WorkNeed, responses=responses(404)
)
def get_work_need(work_need_id: WorkNeedId, store: StoreDep, user: Reader) -> Any:
    return records.get(store, WorkNeed, work_need_id, user.actor)


@router.post(
    "",
    summary="Register a work need",
    status_code=status.HTTP_201_CREATED,
    response_model=WorkNeed,
    responses=responses(409, 413),
)
def create_work_need(
    store: StoreDep,
    user: Writer,
    body: Annotated[
        WorkNeedIn,
        Body(
            openapi_examples={
                "helpende": {"summary": "Latent work in elderly care", "value": EXAMPLE}
            }
        ),
    ],
) -> Any:
    """The employer must exist in your municipality."""
    return records.create(store, WorkNeed, body, user.actor)


@router.put(
    "/{work_need_id}",
    summary="Replace a work need",
    response_model=WorkNeed,
    responses=responses(404, 413),
)
def replace_work_need(
    work_need_id: WorkNeedId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        WorkNeedIn,
        Body(openapi_examples={"helpende": {"summary": "The whole record", "value": EXAMPLE}}),
    ],
) -> Any:
    return records.replace(store, WorkNeed, work_need_id, body, user.actor)


@router.patch(
    "/{work_need_id}",
    summary="Change fields of a work need",
    response_model=WorkNeed,
    responses=responses(404, 413),
)
def patch_work_need(
    work_need_id: WorkNeedId,
    store: StoreDep,
    user: Writer,
    body: Annotated[
        WorkNeedPatch,
        Body(
            openapi_examples={
                "gesloten": {"summary": "The work is filled", "value": {"open": False}}
            }
        ),
    ],
) -> Any:
    return records.patch(store, WorkNeed, work_need_id, body, user.actor)


@router.delete(
    "/{work_need_id}",
    summary="Delete a work need",
    status_code=204,
    response_class=Response,
    responses=responses(404, 409),
)
def delete_work_need(work_need_id: WorkNeedId, store: StoreDep, user: Writer) -> Response:
    """Refused (409) while outcomes refer to it; its ranking overrides are removed with it."""
    records.delete_work_need(store, work_need_id, user.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{work_need_id}/history",
    summary="Change history of a work need",
    response_model=list[ChangeOut],
    responses=responses(404),
)
def work_need_history(work_need_id: WorkNeedId, store: StoreDep, user: HistoryReader) -> Any:
    return records.history(store, WorkNeed, work_need_id, user.actor)
