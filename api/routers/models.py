"""The ranker in service: registered versions, the champion, retraining and reloading.

Versions live in the MLflow registry (:mod:`matching.serving.model_registry`). A retrain
runs in one background thread per service (a second request while one runs is
409); when the new version beats the champion it is promoted and the service
reloads it, so the next shortlist uses it. The retrain jobs are kept by a
:class:`RetrainJobs` object the app factory puts on ``app.state``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Request, status
from pydantic import BaseModel, Field

from api.auth import Permission
from api.deps import Requires, ServicesDep, StoreDep
from api.routers._records import AUTH_ERRORS, invalid, responses
from api.services import Services
from matching.records.storage import Store

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/models", tags=["models"], responses=AUTH_ERRORS)

Reader = Requires(Permission.MODELS_READ)
Manager = Requires(Permission.MODELS_MANAGE)


def tracking_uri(services: Services) -> str:
    from matching.serving.model_registry import resolve_tracking_uri

    return resolve_tracking_uri(services.settings.effective_tracking_uri)


class ModelVersionOut(BaseModel):
    version: str
    champion: bool
    aliases: list[str]
    run_id: str | None
    created_at: str
    ndcg_at_10: str | None = None
    training_period: str | None = None
    promotion: str | None = None
    description: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)


class ChampionOut(BaseModel):
    in_service: str = Field(
        description="What ranks shortlists now: a model version or 'similarity' (no trained model)."
    )
    champion: ModelVersionOut | None = Field(description="The registry's champion, if any.")


class RetrainIn(BaseModel):
    holdout_months: Annotated[int, Field(ge=1, le=24)] = 3
    calibration_months: Annotated[int, Field(ge=1, le=24)] = 2
    promote: bool = Field(True, description="Promote if it beats the champion, then reload.")
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


class JobOut(BaseModel):
    id: str
    state: Literal["running", "finished", "failed"]
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    started_by: str
    message: str = ""
    result: dict[str, Any] | None = None


class PromoteIn(BaseModel):
    reason: Annotated[str, Field(min_length=3, max_length=500)]


@dataclass
class RetrainJobs:
    """Retrain jobs of one service; at most one runs at a time."""

    jobs: dict[str, JobOut] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self) -> JobOut | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def start(self, services: Services, store: Store, body: RetrainIn, username: str) -> JobOut:
        with self.lock:
            busy = self.running()
            if busy is not None:
                raise HTTPException(
                    status.HTTP_409_CONFLICT, f"retrain job {busy.id} is still running"
                )
            job = JobOut(
                id=uuid.uuid4().hex[:12],
                state="running",
                started_at=dt.datetime.now(dt.timezone.utc),
                started_by=username,
            )
            self.jobs[job.id] = job
        thread = threading.Thread(
            target=self._run,
            args=(job.id, services, store, body),
            name=f"retrain-{job.id}",
            daemon=True,
        )
        thread.start()
        return job

    def _run(self, job_id: str, services: Services, store: Store, body: RetrainIn) -> None:
        try:
            result = retrain(services, store, body)
            update = {"state": "finished", "result": result, "message": result.get("reason", "")}
        except Exception as exc:  # the job reports it; the service keeps running
            logger.exception("retrain job %s failed", job_id)
            update = {"state": "failed", "message": str(exc)[:2000]}
        with self.lock:
            self.jobs[job_id] = self.jobs[job_id].model_copy(
                update={**update, "finished_at": dt.datetime.now(dt.timezone.utc)}
            )


def retrain(services: Services, store: Store, body: RetrainIn) -> dict[str, Any]:
    """Build the dataset, train, log to MLflow, promote if better and reload if promoted."""
    from matching.serving.model_registry import check_reachable
    from training.dataset import build_dataset
    from training.run_logging import log_training
    from training.train import TrainConfig, train_on_dataset

    uri = tracking_uri(services)
    check_reachable(uri)
    config = TrainConfig(
        holdout_months=body.holdout_months,
        calibration_months=body.calibration_months,
        random_state=body.seed,
    )
    dataset = build_dataset(store, text_space=services.space, group_by=config.group_by)
    result = train_on_dataset(dataset, config)
    result.bundle.metadata["text_space"] = services.space.name
    result.bundle.metadata["sim_hybrid_dense_weight"] = services.space.dense_weight
    run = log_training(
        result,
        tracking_uri=uri,
        promote=body.promote,
        tags={"werkkans.database": store.safe_url, "werkkans.trigger": "api"},
    )
    out = run.to_dict()
    if run.promoted:
        out["in_service"] = services.reload_model()
    return out


async def get_jobs(request: Request) -> RetrainJobs:
    return request.app.state.retrain_jobs


JobsDep = Annotated[RetrainJobs, Depends(get_jobs)]


def _tracking_failed(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"model registry: {exc}")


@router.get(
    "",
    summary="Registered ranker versions",
    response_model=list[ModelVersionOut],
    responses=responses(503),
)
def list_models(services: ServicesDep, _user: Reader) -> Any:
    """Newest first; the champion is marked."""
    from matching.serving.model_registry import TrackingError, list_versions

    try:
        return [ModelVersionOut(**v.to_dict()) for v in list_versions(tracking_uri(services))]
    except TrackingError as exc:
        raise _tracking_failed(exc) from None


@router.get(
    "/champion",
    summary="The model in service and the registry's champion",
    response_model=ChampionOut,
    responses=responses(503),
)
def champion(services: ServicesDep, _user: Reader) -> Any:
    from matching.serving.model_registry import TrackingError, describe_version

    try:
        info = describe_version(tracking_uri(services))
    except TrackingError as exc:
        raise _tracking_failed(exc) from None
    return ChampionOut(
        in_service=services.engine.scored_by,
        champion=ModelVersionOut(**info.to_dict()) if info else None,
    )


@router.post(
    "/retrain",
    summary="Retrain the ranker",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=responses(409, 413),
)
def start_retrain(
    services: ServicesDep,
    store: StoreDep,
    jobs: JobsDep,
    user: Manager,
    body: Annotated[
        RetrainIn,
        Body(
            openapi_examples={
                "standaard": {"summary": "Train on all history, promote if better", "value": {}}
            }
        ),
    ],
) -> Any:
    """Starts a background job: dataset from the history (erased candidates excluded), fit,
    evaluation against the champion on the same held-out months, MLflow run; promoted and
    reloaded only if better. Poll `GET /models/retrain/{job_id}`."""
    return jobs.start(services, store, body, user.username)


@router.get(
    "/retrain/{job_id}",
    summary="State of a retrain job",
    response_model=JobOut,
    responses=responses(404),
)
def retrain_state(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")], jobs: JobsDep, _user: Reader
) -> Any:
    job = jobs.jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"retrain job {job_id} not found")
    return job


@router.post(
    "/reload", summary="Reload the champion", response_model=ChampionOut, responses=responses(503)
)
def reload_model(services: ServicesDep, _user: Manager) -> Any:
    """Load the registry's champion into the running service (after a promotion elsewhere)."""
    from matching.serving.model_registry import TrackingError, describe_version

    try:
        in_service = services.reload_model()
        info = describe_version(tracking_uri(services))
    except TrackingError as exc:
        raise _tracking_failed(exc) from None
    return ChampionOut(
        in_service=in_service, champion=ModelVersionOut(**info.to_dict()) if info else None
    )


@router.post(
    "/{version}/promote",
    summary="Promote a version by hand",
    response_model=ChampionOut,
    responses=responses(404, 413, 503),
)
def promote(
    version: Annotated[str, Path(pattern=r"^[0-9]{1,9}$")],
    services: ServicesDep,
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
) -> Any:
    """Points the champion alias at this version (bypassing the gate; recorded) and reloads."""
    from matching.serving.model_registry import TrackingError, UnknownVersionError, promote_version

    try:
        promote_version(tracking_uri(services), version, reason=body.reason)
        in_service = services.reload_model()
    except UnknownVersionError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except TrackingError as exc:
        raise _tracking_failed(exc) from None
    except ValueError as exc:  # a bundle this werkkans cannot use
        raise invalid("version", str(exc), where="path") from None
    from matching.serving.model_registry import describe_version

    info = describe_version(tracking_uri(services))
    return ChampionOut(
        in_service=in_service, champion=ModelVersionOut(**info.to_dict()) if info else None
    )
