"""MLflow: one run per training, registered as a new version and promoted if it wins.

:func:`log_training` records a :class:`~training.train.TrainResult` as one
MLflow run, registers its bundle as a new version of the registered model
``werkkans-ranker`` (:mod:`matching.serving.model_registry`), and moves the serving alias
``champion`` to it only if it beats the current champion:

* **The gate.** The current champion is re-scored on the new run's held-out
  months (the same pairs, read by its own text models, the same evaluator), and
  :func:`training.promotion.decide_promotion` compares its NDCG@10 there
  with the challenger's. A champion that cannot be loaded or scored any more
  (another bundle format, features that no longer exist) is replaced; the
  reason is recorded.
* **What is logged.** Parameters (training settings, dataset counts,
  periods), test metrics of the ranker, the previous models (LambdaMART,
  logistic) and text similarity, metrics per evaluation subgroup, the calibration
  curve and feature importance as PNG files, ``metrics.json``, and the
  bundle folder (artifact ``bundle/``). The decision and both gate figures
  are logged as run tags (``werkkans.promotion``, ...) and metrics
  (``gate/challenger_ndcg_at_10``, ``gate/champion_ndcg_at_10``) and as
  tags on the model version.
* **Failures.** The store is checked before anything is written and every
  MLflow failure becomes a :class:`~matching.serving.model_registry.TrackingError`. The
  alias is moved last, so a failure anywhere leaves the champion where it
  was.

MLflow and matplotlib are imported inside the functions (they take seconds
to import).
"""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matching.serving.model_registry import (
    CHAMPION_ALIAS,
    REGISTERED_MODEL,
    current_champion,
    load_version,
    mlflow_errors,
    redacted_uri,
    sqlite_path,
    tracking_client,
)
from models.bundle import BundleError
from training.dataset import PairDataset
from training.evaluate import default_evaluator, evaluate_bundle
from training.group_audit import stepped_metrics
from training.promotion import PromotionDecision, decide_promotion

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

    from training.train import TrainResult

logger = logging.getLogger(__name__)

__all__ = [
    "EXPERIMENT_NAME",
    "TrainingRun",
    "log_training",
    "metric_key",
]

EXPERIMENT_NAME = "werkkans-ranker"
BUNDLE_ARTIFACT = "bundle"
_TAG = "werkkans."


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
        out[f"groups/ranker/{metric_key(name)}"] = value
    out[f"test/{metric_key(result.primary_metric)}"] = result.score
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(float(v))}


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
    for name, (mean_p, rate, _count) in result.calibration_curves.items():
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
    ax.set_xlabel("share of the mean absolute contribution")
    ax.set_title("Ranker: what the scores rest on")
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
            "tracking_uri": redacted_uri(self.tracking_uri),
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


def _artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps artifacts: beside a SQLite store, else the server decides."""
    path = sqlite_path(uri)
    if path is None:
        return None
    return (path.parent / path.stem).resolve().as_uri()


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
    params.update(extra)
    return {k: str(v)[:6000] for k, v in params.items()}


def _log_batches(
    client: MlflowClient,
    run_id: str,
    metrics: dict[str, float],
    params: dict[str, str],
    tags: dict[str, str],
    stepped: Sequence[tuple[str, float, int]] = (),
) -> None:
    import time

    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    metric_list = [Metric(k, v, now, 0) for k, v in metrics.items()]
    metric_list += [Metric(k, v, now, step) for k, v, step in stepped]
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
    version = current_champion(client)
    if version is None:
        return None, None, "no champion yet"
    try:
        champion = load_version(client, uri, version)
        test = result.test
        readers = champion.extras.get("text_models")
        if readers is not None and readers is not result.bundle.extras.get("text_models"):
            if result.test_features_for is None:
                raise BundleError("the held-out pairs cannot be read with the champion's text models")
            test = PairDataset(
                test.pairs, result.test_features_for(readers), test.subgroups, readers
            )
        metrics = evaluate_bundle(champion.tested, test, evaluator=default_evaluator(result.config.k))
    except BundleError as exc:
        logger.warning("champion version %s cannot be scored: %s", version, exc)
        return version, None, f"the champion (version {version}) cannot be scored: {exc}"
    return version, metrics[result.primary_metric], f"champion version {version} re-scored"


def _log_card(
    client: MlflowClient, run_id: str, result: TrainResult, version: str, municipality: str | None
) -> None:
    """The model card and algorithm-register entry (JSON and Dutch markdown) on the run."""
    from training.model_card import card_markdown, model_card, register_entry, register_markdown

    card = model_card(
        result, version=version, municipality=None if municipality in (None, "all") else municipality
    )
    entry = register_entry(card)
    client.log_dict(run_id, card, "model_card.json")
    client.log_text(run_id, card_markdown(card), "model_card.md")
    client.log_dict(run_id, entry, "algorithm_register.json")
    client.log_text(run_id, register_markdown(entry), "algorithm_register.md")


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
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors("read the current champion", uri):
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

    with mlflow_errors("log the run", uri):
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
            audit = result.group_audit
            _log_batches(client, run_id, metrics, _params(result, {}), run_tags,
                         stepped=[] if audit is None else [
                             (metric_key(k), v, step) for k, v, step in stepped_metrics(audit)])
            with tempfile.TemporaryDirectory(prefix="werkkans-run-") as tmp:
                folder = Path(tmp)
                if audit is not None:
                    audit.to_csv(folder / "group_audit.csv", index=False)
                    client.log_artifact(run_id, str(folder / "group_audit.csv"))
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
                    description="werkkans pair ranker (logistic + boosted trees, bagged) "
                    "with capped isotonic-step calibration",
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
            _log_card(client, run_id, result, str(version), (tags or {}).get("werkkans.municipality"))
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
