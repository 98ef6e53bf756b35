"""MLflow: a run per training, the model registry, and the ``champion`` alias.

:func:`log_training` records a :class:`~training.train.TrainResult` as one
MLflow run, registers its bundle as a new version of the registered model
``werkkans-ranker``, and moves the serving alias ``champion`` to it only if
it beats the current champion:

* **Promotion rule.** The current champion is re-scored on the new run's
  held-out months (the same pairs, the same evaluator), and the challenger
  is promoted only when its NDCG@10 there is strictly higher (by more than
  ``min_gain``). With no champion yet, the challenger is promoted. A champion
  that cannot be loaded or scored any more (another bundle format, features
  that no longer exist) cannot be served either, so the challenger replaces
  it; the reason is recorded.
* **What is logged.** Parameters (training settings, dataset counts,
  periods), test metrics of LambdaMART, the logistic baseline and the two
  similarity baselines, metrics per evaluation subgroup, the calibration
  curve and feature importance as PNG files, ``metrics.json``, and the
  bundle folder (artifact ``bundle/``). The decision and both gate figures
  are logged as run tags (``werkkans.promotion``, ...) and metrics
  (``gate/challenger_ndcg_at_10``, ``gate/champion_ndcg_at_10``) and as
  tags on the model version.
* **Tracking store.** Any MLflow tracking URI. MLflow 3 refuses its old file
  store (``./mlruns``), so a ``file:`` URI or plain folder is read as a
  SQLite store beside it: ``file:///srv/mlruns`` becomes
  ``sqlite:////srv/mlruns.db`` with artifacts in ``/srv/mlruns``
  (:func:`resolve_tracking_uri`). The local default is therefore
  ``sqlite:///mlruns.db`` in the working directory.
* **Unreachable store.** Checked before anything is written
  (:func:`check_reachable`); every MLflow failure becomes a
  :class:`TrackingError`. The alias is moved last, so a failure anywhere
  leaves the champion where it was.

MLflow is imported inside the functions (it takes seconds to import).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from matching.features import FEATURE_NAMES
from models.bundle import BundleError, RankerBundle
from training.evaluate import default_evaluator, evaluate_bundle

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

    from training.train import TrainResult

logger = logging.getLogger(__name__)

__all__ = [
    "CHAMPION_ALIAS",
    "EXPERIMENT_NAME",
    "REGISTERED_MODEL",
    "ModelVersionInfo",
    "PromotionDecision",
    "TrackingError",
    "TrainingRun",
    "UnknownVersionError",
    "check_reachable",
    "decide_promotion",
    "describe_version",
    "list_versions",
    "load_champion",
    "log_training",
    "metric_key",
    "promote_version",
    "resolve_tracking_uri",
]

REGISTERED_MODEL = "werkkans-ranker"
CHAMPION_ALIAS = "champion"
EXPERIMENT_NAME = "werkkans-ranker"
BUNDLE_ARTIFACT = "bundle"
_PROBE_TIMEOUT_S = 3.0
_DEFAULT_PORTS = {"http": 80, "https": 443, "postgresql": 5432, "mysql": 3306, "mssql": 1433}
_TAG = "werkkans."


class TrackingError(RuntimeError):
    """The MLflow tracking store cannot be used (unreachable, refused, inconsistent)."""


class UnknownVersionError(TrackingError):
    """The registry has no such version of the ranker."""


# --------------------------------------------------------------------------------------------
# URIs and the client
# --------------------------------------------------------------------------------------------


def resolve_tracking_uri(uri: str) -> str:
    """The URI MLflow is given: file stores become a SQLite store beside the folder.

    Examples
    --------
    >>> resolve_tracking_uri("file:///srv/mlruns")
    'sqlite:////srv/mlruns.db'
    >>> resolve_tracking_uri("http://mlflow.internal:5000")
    'http://mlflow.internal:5000'
    """
    parsed = urlparse(uri)
    if parsed.scheme == "file" or (parsed.scheme == "" and uri):
        folder = (
            Path(unquote(parsed.path) if parsed.scheme == "file" else uri).expanduser().resolve()
        )
        return f"sqlite:///{folder.parent / (folder.name + '.db')}"
    return uri


def _sqlite_path(uri: str) -> Path | None:
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///") :]
        return None if path in ("", ":memory:") else Path(path)
    return None


def _artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps artifacts: beside a SQLite store, else the server decides."""
    path = _sqlite_path(uri)
    if path is None:
        return None
    return (path.parent / path.stem).resolve().as_uri()


def check_reachable(tracking_uri: str) -> str:
    """Raise :class:`TrackingError` unless the tracking store can be reached; returns the resolved URI.

    Network stores get a quick TCP probe (MLflow itself would retry for
    minutes); a SQLite store needs a folder that exists or can be created.
    """
    uri = resolve_tracking_uri(tracking_uri)
    path = _sqlite_path(uri)
    if path is not None:
        folder = path.parent
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir() or not os.access(existing, os.W_OK):
            raise TrackingError(
                f"MLflow tracking store {uri} cannot be created: {existing} is not a writable folder"
            )
        return uri
    parsed = urlparse(uri)
    scheme = parsed.scheme.split("+")[0]
    if parsed.hostname:
        port = parsed.port or _DEFAULT_PORTS.get(scheme)
        if port is not None:
            try:
                with socket.create_connection((parsed.hostname, port), timeout=_PROBE_TIMEOUT_S):
                    pass
            except OSError as exc:
                raise TrackingError(
                    f"MLflow tracking store {_safe(uri)} cannot be reached ({parsed.hostname}:{port}: "
                    f"{exc.strerror or exc}); nothing was logged and the champion is unchanged"
                ) from exc
    return uri


def _safe(uri: str) -> str:
    """The URI without a password."""
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", uri)


@contextmanager
def _mlflow_errors(action: str, uri: str) -> Iterator[None]:
    """Turn any MLflow or I/O failure into a TrackingError naming the action and store."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except TrackingError:
        raise
    except (MlflowException, OSError, ConnectionError) as exc:
        raise TrackingError(f"MLflow tracking store {_safe(uri)}: cannot {action}: {exc}") from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("sqlalchemy", "requests", "urllib3")):
            raise TrackingError(
                f"MLflow tracking store {_safe(uri)}: cannot {action}: {exc}"
            ) from exc
        raise


def _never_used(uri: str) -> bool:
    """A local SQLite store that does not exist yet: nothing was ever logged there."""
    path = _sqlite_path(uri)
    return path is not None and not path.exists()


def _client(tracking_uri: str) -> tuple[MlflowClient, str]:
    uri = check_reachable(tracking_uri)
    from mlflow.tracking import MlflowClient

    with _mlflow_errors("open the store", uri):
        return MlflowClient(tracking_uri=uri, registry_uri=uri), uri


def _is_missing(exc: Exception) -> bool:
    code = getattr(exc, "error_code", "")
    return code == "RESOURCE_DOES_NOT_EXIST" or (
        code == "INVALID_PARAMETER_VALUE" and "alias" in str(exc) and "not found" in str(exc)
    )


# --------------------------------------------------------------------------------------------
# Metric names
# --------------------------------------------------------------------------------------------


def metric_key(name: str) -> str:
    """An MLflow-safe metric name: ``"ndcg@10[age_band=45-54]"`` -> ``"ndcg_at_10.age_band_45-54"``.

    Examples
    --------
    >>> metric_key("recall@10[benefit_duration_band=<6m]")
    'recall_at_10.benefit_duration_band_lt6m'
    >>> metric_key("n_rows[benefit_duration_band=10y+]")
    'n_rows.benefit_duration_band_10yplus'
    """
    base, _, group = name.partition("[")
    text = base + ("." + group.rstrip("]") if group else "")
    text = text.replace("@", "_at_").replace("<", "lt").replace(">", "gt").replace("+", "plus")
    return re.sub(r"[^A-Za-z0-9_\-./ :]", "_", text)


def _metrics_for_run(result: TrainResult) -> dict[str, float]:
    out: dict[str, float] = {}
    for model, values in result.metrics.items():
        for name, value in values.items():
            out[f"test/{model}/{metric_key(name)}"] = value
    for name, value in result.group_metrics.items():
        out[f"groups/lambdamart/{metric_key(name)}"] = value
    out[f"test/{metric_key(result.primary_metric)}"] = result.score
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(float(v))}


# --------------------------------------------------------------------------------------------
# Promotion
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromotionDecision:
    """The champion/challenger gate's verdict and the figures it compared."""

    promoted: bool
    metric: str
    challenger_score: float
    champion_score: float | None
    champion_version: str | None
    reason: str


def decide_promotion(
    challenger_score: float,
    champion_score: float | None,
    *,
    metric: str = "ndcg@10",
    champion_version: str | None = None,
    min_gain: float = 0.0,
) -> PromotionDecision:
    """Promote when there is no scoreable champion or the challenger is strictly better.

    Examples
    --------
    >>> decide_promotion(0.61, 0.58).promoted, decide_promotion(0.58, 0.61).promoted
    (True, False)
    >>> decide_promotion(0.60, 0.60).promoted  # a tie keeps the model in service
    False
    """
    if not math.isfinite(challenger_score):
        return PromotionDecision(
            False,
            metric,
            challenger_score,
            champion_score,
            champion_version,
            f"the challenger's {metric} is not a number",
        )
    if champion_score is None or not math.isfinite(champion_score):
        reason = (
            "no champion yet" if champion_version is None else "the champion could not be scored"
        )
        return PromotionDecision(
            True, metric, challenger_score, champion_score, champion_version, reason
        )
    if challenger_score > champion_score + min_gain:
        return PromotionDecision(
            True,
            metric,
            challenger_score,
            champion_score,
            champion_version,
            f"{metric} {challenger_score:.4f} beats the champion's {champion_score:.4f}",
        )
    return PromotionDecision(
        False,
        metric,
        challenger_score,
        champion_score,
        champion_version,
        f"{metric} {challenger_score:.4f} does not beat the champion's {champion_score:.4f}"
        + (f" by more than {min_gain:g}" if min_gain else ""),
    )


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------


def _plot_calibration(result: TrainResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    top = 0.05
    for name, (mean_p, rate, count) in result.calibration_curves.items():
        ece = result.metrics.get(name, {}).get("ece", float("nan"))
        ax.plot(mean_p, rate, marker="o", label=f"{name} (ECE {ece:.3f})")
        top = max(top, float(max(mean_p.max(initial=0), rate.max(initial=0))))
    top = min(1.0, top * 1.1)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("predicted probability of a good outcome")
    ax.set_ylabel("observed rate (held-out months)")
    ax.set_title("Calibration on the held-out months")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_importance(result: TrainResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    items = sorted(result.feature_importance.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6, 0.28 * len(items) + 1.2))
    ax.barh([k for k, _ in items], [v for _, v in items], color="#3b6ea5")
    ax.set_xlabel("share of total split gain")
    ax.set_title("LambdaMART feature importance")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Logging a run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingRun:
    """What :func:`log_training` recorded."""

    tracking_uri: str
    run_id: str
    experiment_id: str
    model_version: str
    decision: PromotionDecision

    @property
    def promoted(self) -> bool:
        return self.decision.promoted

    def to_dict(self) -> dict[str, Any]:
        d = self.decision
        return {
            "tracking_uri": _safe(self.tracking_uri),
            "run_id": self.run_id,
            "experiment_id": self.experiment_id,
            "model": REGISTERED_MODEL,
            "model_version": self.model_version,
            "promoted": d.promoted,
            "reason": d.reason,
            "metric": d.metric,
            "challenger": d.challenger_score,
            "champion": d.champion_score,
            "champion_version_before": d.champion_version,
        }


def _experiment_id(client: MlflowClient, uri: str, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(name, artifact_location=_artifact_location(uri))


def _params(result: TrainResult, extra: dict[str, Any]) -> dict[str, str]:
    params: dict[str, Any] = {f"config.{k}": v for k, v in result.config.to_params().items()}
    params.update({f"data.{k}": v for k, v in result.dataset_summary.items()})
    for name, (first, last) in result.periods.items():
        params[f"period.{name}"] = f"{first.isoformat()}..{last.isoformat()}"
    params["features"] = ",".join(result.bundle.feature_names)
    params["lambdamart.best_iteration"] = result.bundle.metadata.get("best_iteration")
    params.update(extra)
    return {k: str(v)[:6000] for k, v in params.items()}


def _log_batches(
    client: MlflowClient,
    run_id: str,
    metrics: dict[str, float],
    params: dict[str, str],
    tags: dict[str, str],
) -> None:
    import time

    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    metric_list = [Metric(k, v, now, 0) for k, v in metrics.items()]
    param_list = [Param(k, v) for k, v in params.items()]
    tag_list = [RunTag(k, v) for k, v in tags.items()]
    # MLflow accepts at most 1000 metrics, 100 params and 100 tags per batch
    for start in range(0, len(param_list), 100):
        client.log_batch(run_id, params=param_list[start : start + 100])
    for start in range(0, len(tag_list), 100):
        client.log_batch(run_id, tags=tag_list[start : start + 100])
    for start in range(0, len(metric_list), 1000):
        client.log_batch(run_id, metrics=metric_list[start : start + 1000])


def _score_champion(
    client: MlflowClient, uri: str, result: TrainResult
) -> tuple[str | None, float | None, str]:
    """(champion version, its primary metric on the new held-out pairs, note)."""
    version = _champion_version(client)
    if version is None:
        return None, None, "no champion yet"
    try:
        champion = _load_version(client, uri, version)
        metrics = evaluate_bundle(
            champion, result.test, evaluator=default_evaluator(result.config.k)
        )
    except BundleError as exc:
        logger.warning("champion version %s cannot be scored: %s", version, exc)
        return version, None, f"the champion (version {version}) cannot be scored: {exc}"
    return version, metrics[result.primary_metric], f"champion version {version} re-scored"


def log_training(
    result: TrainResult,
    *,
    tracking_uri: str,
    experiment: str = EXPERIMENT_NAME,
    promote: bool = True,
    min_gain: float = 0.0,
    tags: dict[str, str] | None = None,
) -> TrainingRun:
    """Log a training run, register its bundle, and promote it if it beats the champion.

    Parameters
    ----------
    result
        From :func:`training.train.train_ranker`.
    tracking_uri
        MLflow tracking URI (the registry lives in the same store).
    promote
        False registers the version but never moves the alias.
    min_gain
        How much higher the challenger's NDCG@10 must be to be promoted.
    tags
        Extra run tags (e.g. which database was trained on, without password).

    Raises
    ------
    TrackingError
        The store cannot be reached or refuses a write. The champion alias is
        moved only as the very last step, so it is unchanged after an error.
    """
    client, uri = _client(tracking_uri)
    with _mlflow_errors("read the current champion", uri):
        champion_version, champion_score, note = _score_champion(client, uri, result)
    if promote:
        decision = decide_promotion(
            result.score,
            champion_score,
            metric=result.primary_metric,
            champion_version=champion_version,
            min_gain=min_gain,
        )
        if champion_score is None and champion_version is not None:
            decision = PromotionDecision(
                True, decision.metric, decision.challenger_score, None, champion_version, note
            )
    else:
        decision = PromotionDecision(
            False,
            result.primary_metric,
            result.score,
            champion_score,
            champion_version,
            "promotion switched off for this run",
        )

    with _mlflow_errors("log the run", uri):
        experiment_id = _experiment_id(client, uri, experiment)
        run = client.create_run(
            experiment_id, tags={"mlflow.runName": f"train-{result.periods['test'][1]}"}
        )
        run_id = run.info.run_id
        try:
            result.bundle.metadata["mlflow_run_id"] = run_id
            metrics = _metrics_for_run(result)
            metrics[f"gate/challenger_{metric_key(result.primary_metric)}"] = result.score
            if champion_score is not None and math.isfinite(champion_score):
                metrics[f"gate/champion_{metric_key(result.primary_metric)}"] = champion_score
            run_tags = {
                f"{_TAG}promotion": "promoted" if decision.promoted else "not_promoted",
                f"{_TAG}promotion_reason": decision.reason[:5000],
                f"{_TAG}champion_before": champion_version or "",
                f"{_TAG}bundle_sha256": result.bundle.content_hash,
                **(tags or {}),
            }
            _log_batches(client, run_id, metrics, _params(result, {}), run_tags)
            with tempfile.TemporaryDirectory(prefix="werkkans-run-") as tmp:
                folder = Path(tmp)
                _plot_calibration(result, folder / "calibration_curve.png")
                _plot_importance(result, folder / "feature_importance.png")
                (folder / "metrics.json").write_text(
                    json.dumps(
                        {
                            "test": result.metrics,
                            "groups": result.group_metrics,
                            "gate": decision.__dict__,
                        },
                        indent=2,
                        default=str,
                        allow_nan=True,
                    )
                )
                for name in ("calibration_curve.png", "feature_importance.png", "metrics.json"):
                    client.log_artifact(run_id, str(folder / name))
                result.bundle.save(folder / BUNDLE_ARTIFACT)
                client.log_artifacts(run_id, str(folder / BUNDLE_ARTIFACT), BUNDLE_ARTIFACT)
            source = f"{client.get_run(run_id).info.artifact_uri}/{BUNDLE_ARTIFACT}"
            try:
                client.create_registered_model(
                    REGISTERED_MODEL,
                    description="werkkans LambdaMART ranker with isotonic calibration",
                )
            except Exception as exc:
                if getattr(exc, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                    raise
            version = client.create_model_version(
                REGISTERED_MODEL,
                source=source,
                run_id=run_id,
                tags={
                    "ndcg_at_10": f"{result.score:.6f}",
                    "training_period": "..".join(
                        str(d) for d in result.bundle.metadata["training_period"]
                    ),
                    "promotion": run_tags[f"{_TAG}promotion"],
                    "bundle_sha256": result.bundle.content_hash,
                },
                description=decision.reason,
            ).version
            client.set_tag(run_id, f"{_TAG}model_version", str(version))
            if decision.promoted:
                # last step: until here a failure leaves the champion untouched
                client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, str(version))
            client.set_terminated(run_id, "FINISHED")
        except BaseException:
            try:
                client.set_terminated(run_id, "FAILED")
            except Exception as exc:  # noqa: BLE001 - the original failure is what to report
                logger.warning("could not mark run %s as failed: %s", run_id, exc)
            raise
    logger.info(
        "run %s: version %s, %s (%s)",
        run_id,
        version,
        "promoted" if decision.promoted else "not promoted",
        decision.reason,
    )
    return TrainingRun(uri, run_id, experiment_id, str(version), decision)


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


def _champion_version(client: MlflowClient) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS).version)
    except MlflowException as exc:
        if _is_missing(exc):
            return None
        raise


def _load_version(client: MlflowClient, uri: str, version: str) -> RankerBundle:
    import mlflow

    model_version = client.get_model_version(REGISTERED_MODEL, str(version))
    with tempfile.TemporaryDirectory(prefix="werkkans-bundle-") as tmp:
        path = mlflow.artifacts.download_artifacts(
            artifact_uri=model_version.source, dst_path=tmp, tracking_uri=uri
        )
        return RankerBundle.load(
            path, expected_features=FEATURE_NAMES, version_label=f"{REGISTERED_MODEL}/{version}"
        )


def load_champion(tracking_uri: str) -> RankerBundle | None:
    """The bundle the ``champion`` alias points at, or None when nothing was promoted yet.

    The bundle's ``version`` is ``"werkkans-ranker/<registry version>"``.

    Raises
    ------
    TrackingError
        The store cannot be reached or read.
    BundleError
        The champion is a bundle this werkkans cannot use (another format
        version, features it cannot compute).
    """
    if _never_used(resolve_tracking_uri(tracking_uri)):
        return None  # do not create an empty store (and wait for its migrations) just to look
    client, uri = _client(tracking_uri)
    with _mlflow_errors("load the champion", uri):
        version = _champion_version(client)
        if version is None:
            return None
        bundle = _load_version(client, uri, version)
    logger.info("loaded champion %s from %s", bundle.version, _safe(uri))
    return bundle


@dataclass(frozen=True)
class ModelVersionInfo:
    """One registered version of the ranker."""

    version: str
    run_id: str | None
    created_at: str
    aliases: tuple[str, ...]
    tags: dict[str, str]
    description: str
    source: str
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def is_champion(self) -> bool:
        return CHAMPION_ALIAS in self.aliases

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": REGISTERED_MODEL,
            "version": self.version,
            "champion": self.is_champion,
            "aliases": list(self.aliases),
            "run_id": self.run_id,
            "created_at": self.created_at,
            "ndcg_at_10": self.tags.get("ndcg_at_10"),
            "training_period": self.tags.get("training_period"),
            "promotion": self.tags.get("promotion"),
            "description": self.description,
            "tags": self.tags,
            "metrics": self.metrics,
        }


def _info(client: MlflowClient, mv: Any, *, with_metrics: bool = False) -> ModelVersionInfo:
    import datetime as dt

    created = dt.datetime.fromtimestamp((mv.creation_timestamp or 0) / 1000, dt.UTC)
    metrics: dict[str, float] = {}
    if with_metrics and mv.run_id:
        metrics = {
            k: v
            for k, v in client.get_run(mv.run_id).data.metrics.items()
            if k.startswith(("test/", "gate/"))
        }
    return ModelVersionInfo(
        version=str(mv.version),
        run_id=mv.run_id,
        created_at=created.isoformat(timespec="seconds"),
        aliases=tuple(getattr(mv, "aliases", None) or ()),
        tags=dict(mv.tags or {}),
        description=mv.description or "",
        source=mv.source,
        metrics=metrics,
    )


def list_versions(tracking_uri: str) -> list[ModelVersionInfo]:
    """Every registered version of ``werkkans-ranker``, newest first (empty if none)."""
    if _never_used(resolve_tracking_uri(tracking_uri)):
        return []
    client, uri = _client(tracking_uri)
    with _mlflow_errors("list model versions", uri):
        found = client.search_model_versions(f"name='{REGISTERED_MODEL}'")
        # search results may lack aliases; read each version for them
        versions = [client.get_model_version(REGISTERED_MODEL, mv.version) for mv in found]
        return sorted((_info(client, mv) for mv in versions), key=lambda i: -int(i.version))


def describe_version(tracking_uri: str, version: str | None = None) -> ModelVersionInfo | None:
    """One version with its run's test metrics; the champion when ``version`` is None.

    Returns None when there is no champion (``version`` None) yet.

    Raises
    ------
    TrackingError
        Unknown version or unreachable store.
    """
    if _never_used(resolve_tracking_uri(tracking_uri)):
        if version is None:
            return None
        raise UnknownVersionError(
            f"{REGISTERED_MODEL} has no version {version}: nothing was registered yet"
        )
    client, uri = _client(tracking_uri)
    with _mlflow_errors(f"read version {version or CHAMPION_ALIAS}", uri):
        if version is None:
            version = _champion_version(client)
            if version is None:
                return None
        return _info(client, _get_version(client, version), with_metrics=True)


def _get_version(client: MlflowClient, version: str) -> Any:
    from mlflow.exceptions import MlflowException

    if not str(version).isdigit():
        raise UnknownVersionError(f"a model version is a number, got {version!r}")
    try:
        return client.get_model_version(REGISTERED_MODEL, str(version))
    except MlflowException as exc:
        if _is_missing(exc):
            raise UnknownVersionError(f"{REGISTERED_MODEL} has no version {version}") from exc
        raise


def promote_version(
    tracking_uri: str, version: str, *, reason: str = "promoted by hand"
) -> ModelVersionInfo:
    """Point the ``champion`` alias at a version by hand (bypasses the gate; recorded as a tag).

    The bundle is loaded first, so a version the service could not use is refused.
    """
    if _never_used(resolve_tracking_uri(tracking_uri)):
        raise UnknownVersionError(
            f"{REGISTERED_MODEL} has no version {version}: nothing was registered yet"
        )
    client, uri = _client(tracking_uri)
    with _mlflow_errors(f"promote version {version}", uri):
        mv = _get_version(client, version)
        _load_version(client, uri, str(mv.version))  # raises BundleError if unusable
        client.set_model_version_tag(REGISTERED_MODEL, str(mv.version), "promotion", "manual")
        client.set_model_version_tag(
            REGISTERED_MODEL, str(mv.version), "promotion_reason", reason[:5000]
        )
        client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, str(mv.version))
        return _info(client, client.get_model_version(REGISTERED_MODEL, str(mv.version)))
