"""The ranker in service: registered versions, the champion, retraining and reloading.

Use cases: :mod:`services.ranker_versions` and :mod:`services.retraining`. A
retrain runs in one background thread per service (a second request while
one runs is 409); when the new version beats the champion it is promoted and
the service reloads it, so the next shortlist uses it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, status
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from api.auth import Permission, User
from api.deps import RetrainJobsDep, RuntimeDep, StoreDep, require
from api.openapi import AUTH_ERRORS, PERIOD_PATTERN, responses
from services import ranker_versions
from services.ranker_versions import ChampionOut, ModelVersionOut
from services.retraining import JobOut, RetrainRequest

router = APIRouter(prefix="/models", tags=["models"], responses=AUTH_ERRORS)

Reader = Annotated[User, Depends(require(Permission.MODELS_READ))]
Manager = Annotated[User, Depends(require(Permission.MODELS_MANAGE))]


class RetrainIn(BaseModel):
    holdout_months: Annotated[int, Field(ge=1, le=24)] = 3
    promote: bool = Field(True, description="Promote if it beats the champion, then reload.")
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


class PromoteIn(BaseModel):
    reason: Annotated[str, Field(min_length=3, max_length=500)]


@router.get(
    "",
    summary="Registered ranker versions",
    response_model=list[ModelVersionOut],
    responses=responses(503),
)
def list_models(runtime: RuntimeDep, _user: Reader) -> list[ModelVersionOut]:
    """Newest first; the champion is marked."""
    return [
        ranker_versions.version_out(v)
        for v in ranker_versions.versions(runtime.config.tracking_uri)
    ]


@router.get(
    "/{version}/card",
    summary="A version's model card or algorithm-register entry",
    responses={**responses(404, 503), 200: {"content": {"text/markdown": {}, "application/json": {}}}},
)
def model_card(
    version: Annotated[str, Path(pattern=r"^([0-9]{1,9}|champion)$")],
    runtime: RuntimeDep,
    _user: Reader,
    kind: Annotated[
        Literal["model_card", "algorithm_register"],
        Query(description="'algorithm_register': the entry for the Dutch Algoritmeregister."),
    ] = "model_card",
    format: Annotated[Literal["md", "json"], Query(description="Dutch markdown or JSON.")] = "md",
) -> Response:
    """Training data, intended use and what it must not be used for, metrics overall and per
    group, calibration and known limits; written at training time, so every registered
    version has one (promotion refuses a version without)."""
    text = ranker_versions.card(
        runtime.config.tracking_uri, None if version == "champion" else version, kind=kind, form=format
    )
    if format == "json":
        return Response(text, media_type="application/json")
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


@router.get(
    "/impact-assessment",
    summary="Fundamental-rights impact assessment worksheet",
    responses=responses(503),
)
def impact_assessment_sheet(
    store: StoreDep,
    runtime: RuntimeDep,
    user: Reader,
    period: Annotated[
        str | None,
        Query(max_length=20, pattern=PERIOD_PATTERN,
              description="The period measured (default: the last 12 complete months)."),
    ] = None,
) -> Any:
    """The IAMA/FRIA worksheet (AI Act art. 27) for your municipality, pre-filled with the
    measured facts (groups, disparities, oversight figures, the champion's card) as data;
    the Dutch text is on the page *Modellen* and from `werkkans model impact`."""
    from services.impact_assessment import impact_assessment

    return impact_assessment(
        store, runtime.config.tracking_uri, municipality=user.municipality, period=period,
        fair_exposure=None if runtime.config.fair_exposure is None else (
            runtime.config.fair_exposure.low, runtime.config.fair_exposure.high),
    )


@router.get(
    "/champion",
    summary="The model in service and the registry's champion",
    response_model=ChampionOut,
    responses=responses(503),
)
def champion(runtime: RuntimeDep, _user: Reader) -> ChampionOut:
    return ranker_versions.champion(runtime)


@router.post(
    "/retrain",
    summary="Retrain the ranker",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=responses(409, 413),
)
def start_retrain(
    runtime: RuntimeDep,
    jobs: RetrainJobsDep,
    user: Manager,
    body: Annotated[
        RetrainIn,
        Body(
            openapi_examples={
                "standaard": {"summary": "Train on all history, promote if better", "value": {}}
            }
        ),
    ],
) -> JobOut:
    """Starts a background job: dataset from the history (erased candidates excluded), fit,
    evaluation against the champion on the same held-out months, MLflow run; promoted and
    reloaded only if better. Poll `GET /models/retrain/{job_id}`."""
    request = RetrainRequest(
        holdout_months=body.holdout_months,
        promote=body.promote,
        seed=body.seed,
        trigger="api",
    )
    return jobs.start(runtime, request, user.username)


@router.get(
    "/retrain/{job_id}",
    summary="State of a retrain job",
    response_model=JobOut,
    responses=responses(404),
)
def retrain_state(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")], jobs: RetrainJobsDep, _user: Reader
) -> JobOut:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"retrain job {job_id} not found")
    return job


@router.post(
    "/reload", summary="Reload the champion", response_model=ChampionOut, responses=responses(503)
)
def reload_model(runtime: RuntimeDep, _user: Manager) -> ChampionOut:
    """Load the registry's champion into the running service (after a promotion elsewhere)."""
    return ranker_versions.reload_champion(runtime)


@router.post(
    "/{version}/promote",
    summary="Promote a version by hand",
    response_model=ChampionOut,
    responses=responses(404, 413, 503),
)
def promote(
    version: Annotated[str, Path(pattern=r"^[0-9]{1,9}$")],
    runtime: RuntimeDep,
    _user: Manager,
    body: Annotated[
        PromoteIn,
        Body(
            openapi_examples={
                "terug": {
                    "summary": "Roll back",
                    "value": {"reason": "Versie 4 gaf vreemde lijsten."},
                }
            }
        ),
    ],
) -> ChampionOut:
    """Points the champion alias at this version (bypassing the gate; recorded) and reloads."""
    uri = runtime.config.tracking_uri
    _, in_service = ranker_versions.promote(
        uri, version, reason=body.reason, reload=runtime.reload_model
    )
    info = ranker_versions.describe(uri)
    return ChampionOut(
        in_service=in_service or runtime.engine.scored_by,
        champion=ranker_versions.version_out(info) if info else None,
    )
