"""Retrain the ranker on the store's history and promote it when it is better.

:func:`retrain` is the one retraining pipeline: graded pairs from the
history (erased candidates excluded) → fit → evaluation against the
champion on the same held-out months → an MLflow run → promotion only if
better → the running service reloads it. ``werkkans train`` calls it
directly; ``POST /models/retrain`` runs it in the background through
:class:`RetrainJobs`.

The training libraries are imported inside :func:`retrain`: they take
seconds to load and most commands never retrain.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from matching.records.storage import Store
from matching.shortlists.text_space import TextSpace
from services.errors import Conflict, InvalidInput, Unavailable
from services.runtime import Runtime

if TYPE_CHECKING:
    from training.run_logging import TrainingRun
    from training.train import TrainResult

__all__ = ["JobOut", "RetrainJobs", "RetrainRequest", "Retrained", "retrain"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class RetrainRequest:
    """What to train on and whether to promote.

    Attributes
    ----------
    holdout_months : int
        The latest months held out for evaluation (the calibration is
        cross-fitted on the months before them).
    promote : bool
        Promote to champion if it beats the champion (then the service reloads it).
    seed : int
        Random seed of the fit.
    municipality : str or None
        Only this municipality's history; None: every municipality's.
    trigger : str
        What started it (``"cli"``, ``"api"``), kept as a tag of the run.
    """

    holdout_months: int = 3
    promote: bool = True
    seed: int = 0
    municipality: str | None = None
    trigger: str = "api"


@dataclass(frozen=True)
class Retrained:
    """The MLflow run, the training result, and what scores in the service afterwards."""

    run: TrainingRun
    result: TrainResult
    in_service: str | None = None
    own_chance_run: str | None = None  # the own-chance model's check in MLflow, if it could run

    def to_dict(self) -> dict[str, Any]:
        out = self.run.to_dict()
        if self.in_service is not None:
            out["in_service"] = self.in_service
        if self.own_chance_run is not None:
            out["own_chance_run"] = self.own_chance_run
        return out


def retrain(
    store: Store,
    space: TextSpace,
    tracking_uri: str,
    request: RetrainRequest,
    *,
    reload: Callable[[], str] | None = None,
    progress: Progress | None = None,
) -> Retrained:
    """Build the dataset, train, log to MLflow, promote if better and ``reload`` if promoted.

    Raises
    ------
    Unavailable
        The tracking store cannot be reached (checked before minutes of training).
    InvalidInput
        The months asked for, or the history, cannot give a model.
    """
    from matching.serving.model_registry import (
        TrackingError,
        check_reachable,
        resolve_tracking_uri,
    )
    from training.pair_featurizer import DatasetError
    from training.run_logging import log_training
    from training.train import TrainConfig, TrainingError, train_ranker

    uri = resolve_tracking_uri(tracking_uri)
    try:
        check_reachable(uri)
    except TrackingError as exc:
        raise Unavailable(str(exc)) from None
    try:
        config = TrainConfig(
            holdout_months=request.holdout_months,
            random_state=request.seed,
        )
    except ValueError as exc:
        raise InvalidInput.of("months", str(exc)) from None
    try:
        result = train_ranker(
            store,
            text_space=space,
            config=config,
            municipality=request.municipality,
            progress=progress,
        )
    except (TrainingError, DatasetError) as exc:
        raise InvalidInput.of("history", str(exc)) from None
    if progress is not None:
        progress("vastleggen in MLflow", 0.0)
    try:
        run = log_training(
            result,
            tracking_uri=uri,
            promote=request.promote,
            tags={
                "werkkans.database": store.safe_url,
                "werkkans.municipality": request.municipality or "all",
                "werkkans.trigger": request.trigger,
            },
        )
        own_run = _log_own_chance(store, result, uri, request)
    except TrackingError as exc:
        raise Unavailable(str(exc)) from None
    in_service = reload() if run.promoted and reload is not None else None
    return Retrained(run=run, result=result, in_service=in_service, own_chance_run=own_run)


def _log_own_chance(store: Store, result: TrainResult, uri: str, request: RetrainRequest) -> str | None:
    """Check the own-chance model on the months before the training day and log it (its run id;
    None when the history is too thin for it, which does not stop a training)."""
    from matching.outcomes.own_chance import OwnChanceError
    from training.own_chance_run import check_own_chance, log_own_chance

    day = dt.date.fromisoformat(str(result.periods["test"][1])) + dt.timedelta(days=1)
    try:
        check = check_own_chance(store, as_of=day, municipality=request.municipality)
    except (OwnChanceError, ValueError) as exc:
        logger.info("own-chance model not checked: %s", exc)
        return None
    return log_own_chance(check, tracking_uri=uri, tags={
        "werkkans.database": store.safe_url, "werkkans.municipality": request.municipality or "all",
    })


class JobOut(BaseModel):
    id: str
    state: Literal["running", "finished", "failed"]
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    started_by: str
    message: str = ""
    dutch: str | None = Field(None, description="Why it failed, worded for staff in Dutch (if werkkans words it).")
    result: dict[str, Any] | None = None


@dataclass
class RetrainJobs:
    """Retrain jobs of one service, each in a background thread; at most one runs at a time."""

    jobs: dict[str, JobOut] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self) -> JobOut | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def start(self, runtime: Runtime, request: RetrainRequest, username: str) -> JobOut:
        """Start a job; :class:`Conflict` while another one runs."""
        with self.lock:
            busy = self.running()
            if busy is not None:
                raise Conflict(f"retrain job {busy.id} is still running")
            job = JobOut(
                id=uuid.uuid4().hex[:12],
                state="running",
                started_at=dt.datetime.now(dt.UTC),
                started_by=username,
            )
            self.jobs[job.id] = job
        thread = threading.Thread(
            target=self._run,
            args=(job.id, runtime, request),
            name=f"retrain-{job.id}",
            daemon=True,
        )
        thread.start()
        return job

    def get(self, job_id: str) -> JobOut | None:
        return self.jobs.get(job_id)

    def _run(self, job_id: str, runtime: Runtime, request: RetrainRequest) -> None:
        update: dict[str, Any]
        try:
            done = retrain(
                runtime.store,
                runtime.space,
                runtime.config.tracking_uri,
                request,
                reload=runtime.reload_model,
            )
            result = done.to_dict()
            update = {"state": "finished", "result": result, "message": result.get("reason", "")}
        except Exception as exc:  # the job reports it; the service keeps running
            logger.exception("retrain job %s failed", job_id)
            update = {"state": "failed", "message": str(exc)[:2000],
                      "dutch": getattr(exc, "dutch", None)}
        with self.lock:
            self.jobs[job_id] = self.jobs[job_id].model_copy(
                update={**update, "finished_at": dt.datetime.now(dt.UTC)}
            )
